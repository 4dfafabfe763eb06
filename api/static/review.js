// 审核 (/review): the review's findings per project, with counts per rule and filters by severity,
// township and rule. The filters live in the URL (/review?severity=error&township=…&rule=…): a reload
// or a shared link keeps them, and back/forward steps through them. No `severity` means all ticked;
// `severity=` (empty) none.

import { errorHTML, getJSON, html, localTime, pageFor, projectURL, render, targetValue, warningsHTML } from "/static/app.js";

const page = document.getElementById("page");

const SEVERITIES = [
  { key: "error", zh: "错误", en: "error" },
  { key: "warning", zh: "警告", en: "warning" },
  { key: "info", zh: "提示", en: "info" },
];
const ZH = Object.fromEntries(SEVERITIES.map((s) => [s.key, s.zh]));

function severityBadge(severity) {
  return html`<span class="badge severity ${severity}">${ZH[severity] || severity}</span>`;
}

function countsHTML(data) {
  const rows = data.rules.map((rule) => {
    const counts = data.counts.by_rule[rule.id];
    const skipped = data.skipped[rule.id];
    const cells = skipped
      ? html`<td colspan="3" class="hint" title="${skipped}">未运行（需要检索索引）</td>`
      : SEVERITIES.map((s) => html`<td class="count">${counts[s.key] || ""}</td>`);
    return html`<tr><th scope="row" title="${rule.description}">${rule.title} <code class="rule-id">${rule.id}</code></th>${cells}</tr>`;
  });
  const total = SEVERITIES.map((s) => html`<td class="count">${data.counts.by_severity[s.key]}</td>`);
  return html`<div class="table-wrap"><table class="review-counts">
    <caption class="visually-hidden">各规则的发现数</caption>
    <thead><tr><th scope="col">规则 <small>rule</small></th>${SEVERITIES.map(
      (s) => html`<th scope="col" class="count">${severityBadge(s.key)}</th>`,
    )}</tr></thead>
    <tbody>${rows}<tr class="total"><th scope="row">合计（${data.counts.projects} 个项目）</th>${total}</tr></tbody>
  </table></div>`;
}

const ALL = SEVERITIES.map((s) => s.key);

// The groups' townships (a unit budget's too), in the review's order, with their findings counted.
function townshipCounts(data) {
  const counted = new Map();
  for (const g of data.groups) {
    if (g.township) counted.set(g.township, (counted.get(g.township) || 0) + g.findings.length);
  }
  return counted;
}

function optionHTML(value, label, n, chosen) {
  return html`<option value="${value}" ${value === chosen ? "selected" : ""}>${label}（${n}）</option>`;
}

function filtersHTML(data, rules, state) {
  const townships = townshipCounts(data);
  if (state.township && !townships.has(state.township)) townships.set(state.township, 0); // a shared link's
  const ruleIds = data.rules.map((r) => r.id).filter((id) => totalOf(data, id) > 0 || id === state.rule);
  if (state.rule && !ruleIds.includes(state.rule)) ruleIds.push(state.rule);
  return html`<div class="review-filter-bar">
    <fieldset class="review-filters"><legend>显示</legend>${SEVERITIES.map(
      (s) => html`<label><input type="checkbox" name="severity" value="${s.key}" ${state.severities.has(s.key) ? "checked" : ""}>
        ${severityBadge(s.key)} <span class="n">${data.counts.by_severity[s.key]}</span></label>`,
    )}</fieldset>
    <div class="review-selects">
      <label><span>乡镇 <small>township</small></span>
        <select name="township" id="township-filter">
          <option value="">全部乡镇</option>
          ${[...townships].map(([name, n]) => optionHTML(name, name, n, state.township))}
        </select></label>
      <label><span>规则 <small>rule</small></span>
        <select name="rule" id="rule-filter">
          <option value="">全部规则</option>
          ${ruleIds.map((id) => optionHTML(id, rules[id] ? rules[id].title : id, totalOf(data, id), state.rule))}
        </select></label>
      <button type="button" class="link" id="clear-filters">清除筛选</button>
    </div>
    <p class="filter-status" id="filter-status" role="status"></p>
  </div>`;
}

function totalOf(data, ruleId) {
  const counts = data.counts.by_rule[ruleId] || {};
  return ALL.reduce((sum, key) => sum + (counts[key] || 0), 0);
}

// --- the filters and the URL ---

function stateFromURL() {
  const query = new URLSearchParams(location.search);
  const severities = query.has("severity")
    ? new Set(query.getAll("severity").filter((key) => ALL.includes(key)))
    : new Set(ALL);
  return { severities, township: query.get("township") || "", rule: query.get("rule") || "" };
}

function stateFromPage() {
  return {
    severities: new Set([...page.querySelectorAll('input[name="severity"]:checked')].map((i) => i.value)),
    township: page.querySelector("#township-filter").value,
    rule: page.querySelector("#rule-filter").value,
  };
}

function urlOf(state) {
  const query = new URLSearchParams();
  if (state.severities.size < ALL.length) {
    const ticked = ALL.filter((key) => state.severities.has(key));
    if (ticked.length) for (const key of ticked) query.append("severity", key);
    else query.append("severity", "");
  }
  if (state.township) query.set("township", state.township);
  if (state.rule) query.set("rule", state.rule);
  const text = query.toString();
  return text ? `/review?${text}` : "/review";
}

function showState(state) {
  for (const box of page.querySelectorAll('input[name="severity"]')) box.checked = state.severities.has(box.value);
  page.querySelector("#township-filter").value = state.township;
  page.querySelector("#rule-filter").value = state.rule;
}

function valuesHTML(values) {
  if (!values.length) return "";
  return html`<div class="values"><span class="hint">原值</span>${values.map(
    (v) => html`<code class="value">${v ? targetValue(v) : "（空）"}</code>`,
  )}</div>`;
}

// What the link under a finding opens: the indicator, or the project's objectives.
function focusText(f) {
  return f.focus_id.includes("/objective") ? "查看项目的绩效目标" : `查看指标：${f.focus_label}`;
}

function findingHTML(f, rules) {
  const rule = rules[f.rule];
  const where = f.focus_id !== f.project_id ? pageFor(f.focus_id) : null;
  return html`<li class="finding ${f.severity}" data-severity="${f.severity}" data-rule="${f.rule}">
    <div class="head">${severityBadge(f.severity)}
      <span class="rule" title="${rule ? `${rule.title_en}：${rule.description}` : ""}">${rule ? rule.title : f.rule}</span>
      <code class="rule-id" title="规则编号 rule id">${f.rule}</code></div>
    <p class="message" lang="zh">${f.message}</p>
    ${valuesHTML(f.values)}
    ${where ? html`<a class="focus" href="${where}">${focusText(f)}</a>` : ""}
  </li>`;
}

function groupHTML(group, rules) {
  const p = group.project;
  const title = p
    ? html`<a href="${projectURL(p.id)}">${p.label}</a> <small>${p.township}${p.year ? ` · ${p.year} 年` : ""}${p.document ? ` · ${p.document}` : ""}</small>`
    : html`${group.heading}`;
  return html`<section class="review-group" data-township="${group.township || ""}">
    <h2>${title}</h2>
    <ul class="findings">${group.findings.map((f) => findingHTML(f, rules))}</ul>
  </section>`;
}

function reviewHTML(data, state) {
  const rules = Object.fromEntries(data.rules.map((r) => [r.id, r]));
  const errors = Object.entries(data.errors).map(([rule, problem]) => `规则 ${rule} 运行出错：${problem}`);
  return html`
    ${errors.length ? html`<div class="notice error" role="alert">${errors.map((e) => html`<p>${e}</p>`)}</div>` : ""}
    ${warningsHTML(data.warnings)}
    <section class="panel" aria-labelledby="counts-title">
      <h2 id="counts-title">发现汇总 <small>共 ${data.counts.total} 条 · <time datetime="${data.ended_at}">${localTime(data.ended_at)}</time></small></h2>
      ${countsHTML(data)}
    </section>
    ${filtersHTML(data, rules, state)}
    <div id="groups">${
      data.groups.length
        ? data.groups.map((g) => groupHTML(g, rules))
        : html`<p class="hint">没有发现问题。</p>`
    }</div>
    <p class="hint" id="none-shown" hidden>没有符合筛选条件的发现。<button type="button" class="link" data-action="clear">清除筛选</button></p>
    <p class="hint">分析人员：<code>jixiao review</code> 把审核结果存入命名图
      <code>&lt;…/review&gt;</code>（<code>jx:ReviewFinding</code>，SHACL 的 <code>sh:focusNode</code>、
      <code>sh:resultSeverity</code>、<code>sh:resultMessage</code>），可<a href="/query?query=${encodeURIComponent(SPARQL)}">在 SPARQL 中查询</a>。</p>`;
}

const SPARQL = `PREFIX jx: <https://w3id.org/jixiao/ns#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?project ?rule ?severity ?message WHERE {
  ?finding a jx:ReviewFinding ;
           jx:rule/rdfs:label ?rule ;
           sh:resultSeverity ?severity ;
           sh:resultMessage ?message .
  OPTIONAL { ?finding jx:aboutProject/rdfs:label ?project }
  FILTER (LANG(?rule) = "zh" && LANG(?message) = "zh")
}
ORDER BY ?project ?rule`;

// Hide findings of unticked severities and of other townships or rules, and projects left with none.
function applyFilters(state) {
  let shown = 0;
  let total = 0;
  for (const group of page.querySelectorAll(".review-group")) {
    const here = !state.township || group.dataset.township === state.township;
    let left = 0;
    for (const item of group.querySelectorAll(".finding")) {
      item.hidden = !(here && state.severities.has(item.dataset.severity) && (!state.rule || item.dataset.rule === state.rule));
      if (!item.hidden) left += 1;
      total += 1;
    }
    group.hidden = left === 0;
    shown += left;
  }
  const status = page.querySelector("#filter-status");
  status.textContent = shown === total ? `显示全部 ${total} 条发现` : `显示 ${shown} / ${total} 条发现`;
  page.querySelector("#none-shown").hidden = !(total && shown === 0);
  page.querySelector("#clear-filters").hidden = urlOf(state) === "/review";
}

function changed() {
  const state = stateFromPage();
  const url = urlOf(state);
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  applyFilters(state);
}

function clear() {
  showState({ severities: new Set(ALL), township: "", rule: "" });
  changed();
}

async function start() {
  try {
    const data = await getJSON("/api/review");
    const state = stateFromURL();
    render(page, reviewHTML(data, state));
    showState(state);
    applyFilters(state);
    page.querySelector(".review-filter-bar").addEventListener("change", changed);
    page.addEventListener("click", (event) => {
      if (event.target.closest('#clear-filters, button[data-action="clear"]')) clear();
    });
    window.addEventListener("popstate", () => {
      const now = stateFromURL();
      showState(now);
      applyFilters(now);
    });
  } catch (err) {
    render(page, errorHTML(err, "审核失败"));
  }
}

start();
