// 审核 (/review): the review's findings per project, with counts per rule and severity filters.

import { errorHTML, getJSON, html, pageFor, projectURL, render, targetValue, warningsHTML } from "/static/app.js";

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

function filtersHTML(data) {
  return html`<fieldset class="review-filters"><legend>显示</legend>${SEVERITIES.map(
    (s) => html`<label><input type="checkbox" name="severity" value="${s.key}" checked>
      ${severityBadge(s.key)} <span class="n">${data.counts.by_severity[s.key]}</span></label>`,
  )}</fieldset>`;
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
  return html`<li class="finding ${f.severity}" data-severity="${f.severity}">
    <div class="head">${severityBadge(f.severity)}
      <span class="rule" title="${rule ? rule.description : ""}">${rule ? rule.title : f.rule}</span>
      <code class="rule-id">${f.rule}</code></div>
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
  return html`<section class="review-group">
    <h2>${title}</h2>
    <ul class="findings">${group.findings.map((f) => findingHTML(f, rules))}</ul>
  </section>`;
}

function reviewHTML(data) {
  const rules = Object.fromEntries(data.rules.map((r) => [r.id, r]));
  const errors = Object.entries(data.errors).map(([rule, problem]) => `规则 ${rule} 运行出错：${problem}`);
  return html`
    ${errors.length ? html`<div class="notice error" role="alert">${errors.map((e) => html`<p>${e}</p>`)}</div>` : ""}
    ${warningsHTML(data.warnings)}
    <section class="panel" aria-labelledby="counts-title">
      <h2 id="counts-title">发现汇总 <small>共 ${data.counts.total} 条 · ${data.ended_at.replace("T", " ")}</small></h2>
      ${countsHTML(data)}
    </section>
    ${filtersHTML(data)}
    <div id="groups">${
      data.groups.length
        ? data.groups.map((g) => groupHTML(g, rules))
        : html`<p class="hint">没有发现问题。</p>`
    }</div>
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

// Hide findings of unticked severities, and projects left with none.
function applyFilters() {
  const shown = new Set([...page.querySelectorAll('input[name="severity"]:checked')].map((i) => i.value));
  for (const item of page.querySelectorAll(".finding")) item.hidden = !shown.has(item.dataset.severity);
  for (const group of page.querySelectorAll(".review-group")) {
    group.hidden = ![...group.querySelectorAll(".finding")].some((item) => !item.hidden);
  }
}

async function start() {
  try {
    const data = await getJSON("/api/review");
    render(page, reviewHTML(data));
    page.querySelector(".review-filters").addEventListener("change", applyFilters);
  } catch (err) {
    render(page, errorHTML(err, "审核失败"));
  }
}

start();
