// 起草 (/draft): a new project in, a proposed target table out. The drafter picks or removes the
// candidate indicators, edits their names and values and the objective, sees the review (审核) of
// the table as it stands, saves it on the server (/api/drafts) and downloads it (XLSX or Turtle)
// from /api/draft/export. The form lives in the URL (/draft?name=…&amount=…), a saved draft too
// (/draft?saved=ID); the page warns before leaving with edits that are not saved.

import {
  ApiError,
  baseOf,
  errorHTML,
  filenameFrom,
  formatNumber,
  getJSON,
  html,
  idOf,
  indicatorURL,
  loadingHTML,
  pathHTML,
  plainTarget,
  postJSON,
  projectURL,
  raw,
  render,
  saveBlob,
  setTitle,
  targetValue,
  warningsHTML,
} from "/static/app.js";

const form = document.getElementById("draft-form");
const fields = {
  name: document.getElementById("name"),
  objective: document.getElementById("objective"),
  amount: document.getElementById("amount"),
  unit: document.getElementById("unit"),
  year: document.getElementById("year"),
};
const nameError = document.getElementById("name-error");
const draftButton = document.getElementById("draft-button");
const notices = document.getElementById("notices");
const out = document.getElementById("draft");

const FORMATS = {
  xlsx: {
    zh: "Excel",
    ext: "xlsx",
    mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  },
  ttl: { zh: "Turtle", ext: "ttl", mime: "text/turtle" },
};
const SHORT_LIST = 3; // precedents shown on a phone before 显示其余
const EXAMPLES = [
  { name: "村干部任职补贴", amount: "150" },
  { name: "村级运转经费" },
  { name: "环境卫生整治" },
  { name: "职工食堂伙食补助" },
];

let running = null; // the AbortController of the draft in flight
let current = null; // { request, data, base, slots, rows: Map(key -> row) }
let level2Options = new Map(); // 一级指标 label -> its 二级指标 labels (from /api/categories)
let customCount = 0;
let optionsLoaded = Promise.resolve(); // /api/units and /api/categories, loaded once
let dirty = false; // edits since the draft was made, opened or saved
let savedId = null; // the server's id of the draft on the page, once saved
let reviewTimer = null;
let reviewRun = 0;
const MATCH = {
  close: { zh: "相近", cls: "close" },
  related: { zh: "相关", cls: "related" },
  none: { zh: "不相近", cls: "none" },
};

// --- state <-> URL <-> form ---

function clean(value) {
  return (value || "").trim();
}

function fromURL() {
  const p = new URLSearchParams(location.search);
  return {
    saved: clean(p.get("saved")),
    name: clean(p.get("name")),
    objective: clean(p.get("objective")),
    amount: clean(p.get("amount")),
    unit: clean(p.get("unit")),
    year: clean(p.get("year")),
  };
}

function fromForm() {
  return Object.fromEntries(Object.entries(fields).map(([key, input]) => [key, clean(input.value)]));
}

function toForm(state) {
  for (const [key, input] of Object.entries(fields)) input.value = state[key] || "";
}

function urlOf(state) {
  const query = new URLSearchParams();
  for (const key of Object.keys(fields)) if (state[key]) query.set(key, state[key]);
  const text = query.toString();
  return text ? `/draft?${text}` : "/draft";
}

/** The request body for POST /api/draft, or the problems with the form (in Chinese). */
function bodyOf(state) {
  const problems = [];
  const body = { name: state.name };
  if (!state.name) problems.push("请填写项目名称。");
  if (state.objective) body.objective = state.objective;
  if (state.amount) {
    const amount = Number(state.amount);
    if (!Number.isFinite(amount) || amount < 0) problems.push("预算数应为不小于 0 的数字（单位：万元）。");
    else body.amount = amount;
  }
  if (state.unit) body.unit = state.unit;
  if (state.year) {
    const year = Number(state.year);
    if (!Number.isInteger(year) || year < 1900 || year > 2200) problems.push("年度应为 1900 到 2200 之间的整数，如 2025。");
    else body.year = year;
  }
  return { body, problems };
}

// --- small pieces ---

/** "中文 / English" as the Chinese with the English small. */
function bilingual(text) {
  if (!text) return "";
  const [zh, ...en] = String(text).split(" / ");
  return en.length ? html`${zh} <small>${en.join(" / ")}</small>` : html`${zh}`;
}

function wan(amount) {
  return amount === null || amount === undefined ? "" : `${formatNumber(amount, 4)} 万元`;
}

function valueOf(candidate) {
  return candidate.target ? plainTarget(candidate.target.raw) : "";
}

const COMPARATORS = new Set(["≥", "＞", "＝", "＜", "≤"]); // what the export accepts ("none" is null)
/** The required category a slot fills, as /api/draft names it (the ontology's jxcat:required). */
function requirementOf(slot) {
  return slot.required ? slot.requirement || null : null;
}

// --- rendering: precedents and the objective ---

function precedentsHTML(precedents, base) {
  if (!precedents.length) {
    return html`<p class="hint">没有找到其他乡镇的相似项目。可以换个项目名称，或补充绩效目标后再起草。</p>`;
  }
  const more = precedents.length - SHORT_LIST;
  const toggle =
    more > 0
      ? html`<button type="button" class="link more-precedents" data-action="more-precedents" aria-expanded="false"
          >显示其余 ${more} 个前例</button>`
      : "";
  return html`<ol class="precedent-list">${precedents.map((p, i) => {
    const id = p.id || idOf(p.iri, base);
    const words = p.why.shared_words.length
      ? html`<span class="k">共同词</span>${p.why.shared_words.map((w) => html`<span class="chip word">${w}</span>`)}`
      : html`<span class="k">没有共同词，按意思相近</span>`;
    const objectives = p.why.objectives.map(
      (o) => html`<p class="snippet" title="与本项目的相似度 ${formatNumber(o.similarity, 3)}">
        <span class="k">相近的绩效目标</span>${o.text}</p>`,
    );
    const meta = [p.township ? p.township.label : "", p.year ? `${p.year} 年` : "", wan(p.amount)].filter(Boolean);
    const match = MATCH[p.match];
    const badge = match
      ? html`<span class="match ${match.cls}" title="与本项目的相近程度（按检索的判断）">${match.zh}</span>`
      : "";
    return html`<li class="precedent${i >= SHORT_LIST ? " extra" : ""}" data-match="${p.match || ""}">
      <span class="rank" title="第 ${p.rank} 位">${p.rank}</span>
      <div class="body">
        ${badge}<a class="name" href="${projectURL(id)}">${p.label}</a>
        <span class="meta">${meta.join(" · ")}</span>
        <div class="words">${words}</div>
        ${objectives}
      </div>
    </li>`;
  })}</ol>${toggle}`;
}

function objectiveHTML(data, request, base) {
  const byIri = new Map(data.precedents.map((p) => [p.iri, p]));
  const sources = (data.objective.sources || []).map((iri) => {
    const p = byIri.get(iri);
    const id = p ? p.id || idOf(iri, base) : idOf(iri, base);
    return html`<a href="${projectURL(id)}">${p ? p.label : id}</a>`;
  });
  const text = data.table.objective || "";
  const suggested = data.objective.text || "";
  const mine = request.objective || "";
  const how = data.objective.generic
    ? html`按标准框架写成（只用了本项目的名称、年度和金额），不是前例的原文。`
    : html`由相近前例的绩效目标拼接而成（前例的项目名称已换成本项目名称，年份已改为本项目年度），请按本项目的实际情况修改。
        ${sources.length ? html`来源：${sources.map((s, i) => html`${i ? "、" : ""}${s}`)}` : ""}`;
  const note = mine
    ? html`<p class="hint draft-note"><span class="badge draft">草稿</span>保留了您填写的绩效目标；旁边是建议的目标，可以采用。</p>`
    : suggested
      ? html`<p class="hint draft-note"><span class="badge draft">草稿</span>${how}</p>`
      : html`<p class="hint draft-note"><span class="badge draft">草稿</span>前例中没有可用的绩效目标，请自行填写。</p>`;
  const beside =
    mine && suggested && suggested !== mine
      ? html`<aside class="objective-suggestion" id="objective-suggestion">
          <h3>建议的绩效目标 <small>Suggested${data.objective.generic ? " · 通用" : ""}</small></h3>
          <p class="suggested-text">${suggested}</p>
          <p class="hint">${how}</p>
          <button type="button" class="small" data-action="use-draft">采用建议的目标</button>
        </aside>`
      : "";
  const buttons = [];
  if (mine) {
    buttons.push(html`<button type="button" class="small" data-action="use-mine">恢复我填写的绩效目标</button>`);
  } else if (suggested) {
    buttons.push(html`<button type="button" class="small" data-action="use-draft">恢复为草稿</button>`);
  }
  return html`<h2>年度总体目标（草稿） <small>Overall objective · a draft</small></h2>
    ${note}
    <div class="objective-pair">
      <div class="objective-main">
        <label for="objective-text" class="visually-hidden">年度总体目标（草稿，可修改）</label>
        <textarea id="objective-text" class="objective-text" rows="4" maxlength="4000">${text}</textarea>
        ${buttons.length ? html`<div class="toolbar">${buttons}</div>` : ""}
      </div>
      ${beside}
    </div>`;
}

// --- rendering: the proposed table ---

function adaptationHTML(candidate) {
  const target = candidate.target || {};
  const parts = [];
  if (target.shifted_from) {
    // The precedent's years moved to the draft's year (2023年12月底 → 2025年12月底).
    parts.push(html`<span class="adapted shifted" title="${target.adaptation || ""}"><span class="badge adapted-badge year-badge">已改年份</span>
    <span class="adapted-note">前例 <s class="was">${target.shifted_from}</s> → <strong class="now">${target.raw}</strong></span></span>`);
  }
  // What else was changed: the total cost scaled to the new amount, or a LaTeX value written out.
  const other = (target.adaptation || "")
    .split("；")
    .filter((part) => part && !part.startsWith("年份已改") && !part.startsWith("通用指标"));
  for (const part of other) {
    const [zh] = part.split(" / ");
    const label = part.startsWith("原文") ? "已规范书写" : "已按金额换算";
    parts.push(html`<span class="adapted" title="${part}"><span class="badge adapted-badge">${label}</span>
    <span class="adapted-note">${zh}</span></span>`);
  }
  if (target.warning) {
    const [zh] = target.warning.split(" / ");
    parts.push(html`<span class="adapted check" title="${target.warning}"><span class="badge check-badge">请核实</span>
    <span class="adapted-note">${zh}</span></span>`);
  }
  return parts;
}

function candidateRowHTML(row) {
  const c = row.candidate;
  const evidenceId = `evidence-${row.key}`;
  const count = c.precedents;
  const generic = c.generic;
  const values = c.values.length
    ? html`<span class="k">前例的指标值</span>${c.values.map(
        (v) => html`<button type="button" class="chip value-chip" data-value="${plainTarget(v.raw)}"
          title="采用这个值">${targetValue(v.raw)}${v.count > 1 ? html` <small>×${v.count}</small>` : ""}</button>`,
      )}`
    : html`<span class="k">${generic ? "标准框架中的通用指标：不是前例填报的，请按本项目修改" : "前例没有填写指标值"}</span>`;
  const evidence = c.evidence.map((e) => {
    const indicatorId = idOf(e.indicator, current.base);
    const projectId = idOf(e.precedent, current.base);
    return html`<li><a href="${indicatorURL(indicatorId)}">${e.label}</a>
      <span class="ev-target">${e.target ? targetValue(e.target) : "—"}</span>
      <span class="ev-meta"><a href="${projectURL(projectId)}">${e.project}</a>${e.township ? ` · ${e.township}` : ""}</span></li>`;
  });
  const match = !generic && c.match && c.match !== "close" ? MATCH[c.match] : null;
  return html`<tr class="cand${row.selected ? " selected" : ""}${generic ? " generic" : ""}" data-key="${row.key}">
      <td class="name"><span class="mark" aria-hidden="true"></span><span class="label" contenteditable="plaintext-only"
          role="textbox" aria-label="三级指标名称（可修改）" spellcheck="false" title="点击修改指标名称">${row.name}</span>
        ${row.index === 0 && row.initial ? html`<span class="badge first" title="${generic ? "标准框架的通用指标" : "前例中最常用、与本项目最相近"}">首选</span>` : ""}
        ${generic ? html`<span class="badge generic-badge" title="标准框架中的通用指标，不是前例的">通用指标</span>` : ""}
        ${match ? html`<span class="match ${match.cls}" title="来自${match.zh}的前例">${match.zh}前例</span>` : ""}
        <span class="renamed-mark">已改名 <button type="button" class="link small" data-action="rename-revert">还原</button></span></td>
      <td class="value">
        <input type="text" class="value-input" value="${row.value}" maxlength="200"
               aria-label="${c.label} 的指标值" placeholder="填写指标值">
        <span class="edited-mark">已修改 <button type="button" class="link small" data-action="revert">还原</button></span>
        ${adaptationHTML(c)}
      </td>
      <td class="support">
        <button type="button" class="link evidence-toggle" aria-expanded="false" aria-controls="${evidenceId}"
                title="查看哪些前例使用这个指标及其指标值">依据 <span class="n">${generic ? "通用指标" : `${count} 个前例`}</span></button>
      </td>
      <td class="act">${toggleHTML(row)}</td>
    </tr>
    <tr class="evidence-row" id="${evidenceId}" hidden>
      <td colspan="4"><div class="evidence">
        <div class="values">${values}</div>
        ${evidence.length ? html`<ul class="evidence-list">${evidence}</ul>` : ""}
      </div></td>
    </tr>`;
}

function toggleHTML(row) {
  const label = row.custom ? "自行添加的指标" : row.candidate.label;
  return row.selected
    ? html`<button type="button" class="small toggle remove" data-action="toggle" aria-label="移除 ${label}">移除</button>`
    : html`<button type="button" class="small toggle add" data-action="toggle" aria-label="选用 ${label}">＋ 选用</button>`;
}

function customRowHTML(row) {
  const options = level2Options.get(row.level1) || [];
  const level2 = row.fixedLevel2
    ? ""
    : options.length
      ? html`<label class="custom-l2"><span class="visually-hidden">二级指标</span>
          <select class="level2-input">${options.map((o) => html`<option value="${o}" ${o === row.level2 ? raw("selected") : ""}>${o}</option>`)}</select></label>`
      : html`<input type="text" class="level2-input" value="${row.level2}" maxlength="50" aria-label="二级指标" placeholder="二级指标">`;
  return html`<tr class="cand custom selected" data-key="${row.key}">
    <td class="name"><span class="mark" aria-hidden="true"></span>
      <input type="text" class="label-input" value="" maxlength="200" aria-label="自行添加的三级指标名称"
             placeholder="三级指标名称">${level2}</td>
    <td class="value"><input type="text" class="value-input" value="" maxlength="200"
             aria-label="自行添加的指标值" placeholder="指标值，如 ≥95%"></td>
    <td class="support"><span class="hint">自行添加</span></td>
    <td class="act"><button type="button" class="small toggle remove" data-action="delete" aria-label="删除自行添加的指标">删除</button></td>
  </tr>`;
}

function slotHTML(slot, n) {
  const rows = current.slots[n].rows;
  const required = slot.required ? html`<span class="badge required" title="评审要求必须有这一类指标">必备</span>` : "";
  const level2 = slot.level2 ? slot.level2.label : null;
  const path = level2 && level2 !== slot.level1.label ? pathHTML(slot.level1.label, level2) : pathHTML(slot.level1.label);
  const missing = slot.missing
    ? html`<tr class="slot-missing"><td colspan="4"><div class="notice warn">
        <strong>${slot.required ? "必备类别没有候选指标" : "没有候选指标"}</strong>
        ${bilingual(slot.note || "前例中没有此类指标，请自行补充")}</div></td></tr>`
    : slot.generic_only && current.data.match === "close"
      ? html`<tr class="slot-missing generic-note"><td colspan="4"><p class="hint">${bilingual(slot.note)}</p></td></tr>`
      : "";
  return html`<tbody class="slot${slot.missing ? " missing" : ""}${slot.required ? " required" : ""}" data-slot="${n}">
    <tr class="slot-head"><th colspan="4" scope="rowgroup">
      <span class="slot-title">${path}${required}</span>
      <span class="slot-side"><span class="slot-count" data-slot-count="${n}"></span>
        <button type="button" class="link small" data-action="custom" data-slot="${n}">＋ 自行添加</button></span>
    </th></tr>
    ${missing}
    ${rows.map(candidateRowHTML)}
  </tbody>`;
}

function tableHTML(data) {
  return html`<h2>绩效指标（建议） <small>Proposed indicators</small></h2>
    <p class="hint">每一类默认选用第一个候选指标（与前例最相近、最常用）。点 <strong>＋ 选用</strong> 加入其他候选，点 <strong>移除</strong> 去掉；
      指标值可以直接修改。<strong>依据</strong> 列出使用该指标的前例和它们的指标值，点其中的值可直接采用。</p>
    <div id="coverage" class="coverage" role="status"></div>
    <div class="table-wrap draft-wrap"><table class="draft-table">
      <caption class="visually-hidden">建议的绩效指标：按一级、二级指标分组的候选三级指标和指标值</caption>
      <colgroup><col class="c-name"><col class="c-value"><col class="c-support"><col class="c-act"></colgroup>
      <thead><tr><th scope="col">三级指标</th><th scope="col">指标值</th><th scope="col">依据</th><th scope="col">选用</th></tr></thead>
      ${data.slots.map(slotHTML)}
    </table></div>
    <section id="review-panel" class="panel review-panel" aria-live="polite">
      <h2>审核 <small>Review · 导出前按审核规则检查</small></h2>
      <div id="review-body"><p class="hint">正在审核…</p></div>
    </section>
    <div class="draft-bar" id="draft-bar">
      <span class="bar-text"><span id="selected-count" class="selected-count"></span><span id="coverage-count"></span>
        <span id="save-state" class="save-state"></span></span>
      <span class="bar-buttons">
        <button type="button" data-action="save">保存草稿</button>
        <button type="button" class="primary" data-action="download" data-format="xlsx">下载 Excel</button>
        <button type="button" data-action="download" data-format="ttl">下载 Turtle</button>
      </span>
    </div>
    <div id="export-status" aria-live="polite"></div>`;
}

function draftHTML(data, request) {
  const n = data.precedents.length;
  const verdict =
    data.match && data.match !== "close"
      ? html`<div class="notice warn match-note" id="match-note" data-match="${data.match}" role="status">
          <strong>${data.match === "none" ? "没有找到相近的前例" : "只找到相关的前例，没有相近的"}</strong>
          <p>${(data.match_note || "").split(" / ")[0].replace(/^[^：]*：/, "")}</p></div>`
      : "";
  return html`${verdict}
    <section id="precedents" class="panel">
      <h2>前例 <small>Precedents · ${request.unit ? `${request.unit}以外的相似项目` : "各乡镇的相似项目"}${n ? ` · ${n} 个` : ""}</small></h2>
      ${request.unit ? "" : html`<p class="hint">没有填写本单位/乡镇：所有乡镇的项目都可作为前例。</p>`}
      ${precedentsHTML(data.precedents, current.base)}
    </section>
    <section id="objective-section" class="panel">${objectiveHTML(data, request, current.base)}</section>
    <section id="table-section">${tableHTML(data)}</section>`;
}

function introHTML() {
  return html`<div class="empty">
    <strong>填写项目名称，点“起草” <small>Draft</small></strong>
    系统会列出其他乡镇的相似项目，并按它们的指标提出一张绩效目标表。例如：
    <div class="examples-inline">${EXAMPLES.map((e) => html`<a class="chip" href="${urlOf(e)}">${e.name}${e.amount ? `（${e.amount} 万元）` : ""}</a>`)}</div>
  </div>`;
}

// --- the page's state: rows, selection, counts ---

function setUp(data, request) {
  const base = data.precedents.length ? baseOf(data.precedents[0]) : undefined;
  current = { request, data, base, slots: [], rows: new Map() };
  data.slots.forEach((slot, s) => {
    const rows = slot.candidates.map((candidate, index) => {
      const value = valueOf(candidate);
      const row = {
        key: `s${s}c${index}`,
        slot: s,
        index,
        candidate,
        selected: index === 0 && Boolean(value), // a first choice is never an empty value
        initial: value,
        value,
        name: candidate.label,
      };
      current.rows.set(row.key, row);
      return row;
    });
    current.slots.push({ slot, rows, requirement: requirementOf(slot) });
  });
}

function selectedRows() {
  return [...current.rows.values()].filter((row) => row.selected);
}

function updateCounts() {
  if (!current) return;
  const chosen = selectedRows();
  const counted = chosen.filter((row) => !row.custom || row.label);
  render("#selected-count", html`已选 <strong>${counted.length}</strong> 个指标`);
  current.slots.forEach((entry, n) => {
    const target = out.querySelector(`[data-slot-count="${n}"]`);
    if (!target) return;
    const picked = entry.rows.filter((row) => row.selected).length;
    const custom = [...current.rows.values()].filter((row) => row.custom && row.slot === n).length;
    const total = entry.rows.length;
    render(target, total ? html`已选 ${picked + custom} / ${total + custom}` : custom ? html`已添加 ${custom}` : "");
  });

  // Coverage of the required categories by what is selected now (the API counts what was proposed).
  const coverage = current.data.coverage;
  const requirements = [...new Set(current.slots.map((e) => e.requirement).filter(Boolean))];
  let filled;
  let missing;
  if (requirements.length === coverage.required) {
    const have = new Set(
      counted.map((row) => current.slots[row.slot].requirement).filter(Boolean),
    );
    filled = requirements.filter((r) => have.has(r)).length;
    missing = requirements.filter((r) => !have.has(r));
  } else {
    filled = coverage.filled;
    missing = coverage.missing;
  }
  const complete = filled === coverage.required;
  render(
    "#coverage-count",
    html` · <span class="${complete ? "ok" : "short"}">必备类别 ${filled}/${coverage.required}</span>`,
  );
  render(
    "#coverage",
    html`<span class="coverage-box ${complete ? "ok" : "short"}"><strong>必备类别 ${filled}/${coverage.required}</strong>
      ${complete
        ? html`${requirements.map((r) => r.replace(/指标$/, "")).join("、")}指标都已选用。`
        : html`还缺：${missing.join("、")}。${
            coverage.missing.length ? html`前例中没有${coverage.missing.join("、")}，请点“自行添加”补充。` : html`请选用或自行添加。`
          }`}</span>`,
  );
}

function paintRow(row) {
  const tr = out.querySelector(`tr.cand[data-key="${row.key}"]`);
  if (!tr) return;
  tr.classList.toggle("selected", row.selected);
  if (!row.custom) {
    tr.classList.toggle("edited", row.value.trim() !== row.initial);
    tr.classList.toggle("renamed", row.name.trim() !== row.candidate.label);
    tr.querySelector("td.act").innerHTML = toggleHTML(row).toString();
  }
}

/** Something the drafter would lose on leaving: warn before unload, review again. */
function changed() {
  dirty = true;
  render("#save-state", html`<span class="unsaved">未保存的修改</span>`);
  scheduleReview();
}

function setValue(row, value, input) {
  row.value = value;
  if (input && input.value !== value) input.value = value;
  if (!row.selected) row.selected = true; // a value typed in is meant to be filed
  paintRow(row);
  updateCounts();
  changed();
}

function setName(row, name, cell) {
  row.name = name;
  if (cell && cell.textContent !== name) cell.textContent = name;
  if (!row.selected && name.trim()) row.selected = true;
  paintRow(row);
  updateCounts();
  changed();
}

// --- the review (审核) of the table as it stands ---

function scheduleReview() {
  clearTimeout(reviewTimer);
  reviewTimer = setTimeout(() => review(), 400);
}

function findingHTML(finding, rows) {
  const row = finding.row ? rows[finding.row - 1] : null;
  const where = row ? html`<span class="k">${row.level2 || row.level1}</span>${row.label}` : html`<span class="k">项目</span>`;
  return html`<li class="finding" data-rule="${finding.rule}" data-severity="${finding.severity}">
    <span class="badge severity ${finding.severity}">${finding.severity_zh}</span>
    <span class="where">${where}</span>
    <span class="message">${finding.message}</span></li>`;
}

async function review() {
  clearTimeout(reviewTimer);
  const target = document.getElementById("review-body");
  if (!current || !target) return null;
  const table = tableOf();
  const run = ++reviewRun;
  if (!table.rows.length) {
    render(target, html`<p class="hint">没有选用任何指标。</p>`);
    return null;
  }
  try {
    const response = await postJSON("/api/draft/review", table);
    const data = await response.json();
    if (run !== reviewRun) return data;
    const counts = data.counts.by_severity;
    const summary = data.findings.length
      ? html`<p class="review-summary short">审核发现 <strong id="review-total">${data.counts.total}</strong> 个问题：
          ${["error", "warning", "info"].filter((s) => counts[s]).map((s) => html`<span class="badge severity ${s}">${{ error: "错误", warning: "警告", info: "提示" }[s]} ${counts[s]}</span>`)}
          导出前请逐项修改。</p>`
      : html`<p class="review-summary ok">审核通过：按审核规则没有发现问题。</p>`;
    render(target, html`${summary}${data.findings.length ? html`<ul class="findings">${data.findings.map((f) => findingHTML(f, table.rows))}</ul>` : ""}`);
    return data;
  } catch (err) {
    if (run === reviewRun) render(target, errorHTML(err, "审核出错"));
    return null;
  }
}

// --- saved drafts (/api/drafts) ---

function savedListHTML(drafts) {
  if (!drafts.length) return html`<p class="hint">还没有保存的草稿。</p>`;
  return html`<ul class="saved-list">${drafts.map(
    (d) => html`<li class="saved" data-id="${d.id}">
      <a class="name" href="/draft?saved=${encodeURIComponent(d.id)}">${d.name || "（未命名）"}</a>
      <span class="meta">${[d.year ? `${d.year} 年` : "", wan(d.amount), `${d.rows} 个指标`, `保存于 ${(d.saved_at || "").replace("T", " ").slice(0, 16)}`].filter(Boolean).join(" · ")}</span>
      <button type="button" class="small link delete-saved" data-action="delete-saved" data-id="${d.id}" aria-label="删除草稿 ${d.name}">删除</button>
    </li>`,
  )}</ul>`;
}

async function loadSaved() {
  const target = document.getElementById("saved-drafts-list");
  if (!target) return;
  try {
    const data = await getJSON("/api/drafts");
    render(target, savedListHTML(data.drafts));
  } catch (err) {
    render(target, errorHTML(err, "无法读取已保存的草稿"));
  }
}

async function save() {
  const status = document.getElementById("export-status");
  const table = tableOf();
  try {
    const response = await postJSON("/api/drafts", { id: savedId, request: current.request, table });
    const saved = await response.json();
    savedId = saved.id;
    dirty = false;
    const url = `/draft?saved=${encodeURIComponent(saved.id)}`;
    if (location.pathname + location.search !== url) history.replaceState(null, "", url);
    render("#save-state", html`<span class="saved-mark">已保存</span>`);
    render(status, html`<p class="hint saved" role="status">草稿已保存在服务器上（${table.rows.length} 个指标），可在“已保存的草稿”中重新打开。</p>`);
    loadSaved();
  } catch (err) {
    render(status, errorHTML(err, "保存草稿出错"));
  }
}

async function removeSaved(id) {
  if (!window.confirm("删除这份已保存的草稿？")) return;
  try {
    await fetch(`/api/drafts/${encodeURIComponent(id)}`, { method: "DELETE" }).then(async (response) => {
      if (!response.ok) throw new ApiError(`删除失败（${response.status}）`, response.status);
    });
    if (id === savedId) savedId = null;
    loadSaved();
  } catch (err) {
    render("#saved-drafts-list", errorHTML(err, "删除草稿出错"));
  }
}

/** The saved table over the fresh proposal: its rows selected with their names and values, the
 * rows that match no candidate added as the drafter's own. */
function applySaved(table) {
  for (const row of current.rows.values()) row.selected = false;
  const free = new Set(current.rows.keys());
  for (const saved of table.rows) {
    const sameSource = (row) =>
      row.candidate.level2.label === saved.level2 &&
      JSON.stringify(row.candidate.evidence.map((e) => e.indicator)) === JSON.stringify(saved.precedents || []) &&
      (saved.precedents.length || row.candidate.label === saved.label || row.candidate.generic === saved.generic);
    const open = [...current.rows.values()].filter((row) => free.has(row.key) && !row.custom && sameSource(row));
    const match = open.find((row) => row.candidate.label === saved.label) || open[0]; // a renamed row: its source
    if (match) {
      free.delete(match.key);
      match.selected = true;
      match.value = saved.raw;
      match.name = saved.label;
      continue;
    }
    const n = Math.max(0, current.slots.findIndex((entry) => entry.slot.level1.label === saved.level1 && (!entry.slot.level2 || entry.slot.level2.label === saved.level2)));
    const key = `s${n}x${++customCount}`;
    current.rows.set(key, {
      key, slot: n, custom: true, selected: true, label: saved.label, value: saved.raw,
      level1: saved.level1, level2: saved.level2, fixedLevel2: saved.level2, restored: true,
    });
  }
}

// --- export ---

/** The edited table as DraftTable JSON: selected rows only, in slot order, with the values as shown. */
function tableOf() {
  const { request } = current;
  const rows = [];
  current.slots.forEach((entry, n) => {
    const slotRows = [...current.rows.values()].filter((row) => row.slot === n && row.selected);
    for (const row of slotRows) {
      if (row.custom) {
        if (!row.label) continue;
        rows.push({
          level1: row.level1,
          level2: row.level2 || entry.slot.label,
          label: row.label,
          raw: row.value.trim(),
          generic: false,
          comparator: null,
          number: null,
          unit: null,
          precedents: [],
          adaptation: null,
        });
        continue;
      }
      const c = row.candidate;
      const t = c.target;
      const edited = row.value.trim() !== row.initial;
      const comparator = t && COMPARATORS.has(t.comparator) ? t.comparator : null;
      const name = row.name.trim() || c.label;
      rows.push({
        level1: c.level1.label,
        level2: c.level2.label,
        label: name,
        generic: Boolean(c.generic),
        raw: row.value.trim(),
        comparator: !edited ? comparator : null,
        number: !edited && t ? t.number : null,
        unit: !edited && t ? t.unit : null,
        precedents: c.evidence.map((e) => e.indicator),
        sources: c.evidence.map((e) => ({
          indicator: e.indicator,
          project: e.project,
          township: e.township,
          label: e.label,
          target: e.target,
        })),
        adaptation: !edited && t ? t.adaptation : null,
      });
    }
  });
  const objective = document.getElementById("objective-text");
  return {
    name: request.name,
    objective: objective ? objective.value.trim() : "",
    amount: request.amount === undefined ? null : request.amount,
    unit: request.unit || null,
    year: request.year === undefined ? null : request.year,
    rows,
  };
}

async function download(button) {
  const format = FORMATS[button.dataset.format] ? button.dataset.format : "xlsx";
  const kind = FORMATS[format];
  const status = document.getElementById("export-status");
  const table = tableOf();
  if (!table.rows.length) {
    render(status, errorHTML({ message: "没有选用任何指标。请先选用或自行添加指标，再下载。" }, "无法下载"));
    return;
  }
  const buttons = out.querySelectorAll('[data-action="download"]');
  buttons.forEach((b) => (b.disabled = true));
  await review(); // the findings are on the page before the file is
  render(status, loadingHTML(`正在生成 ${kind.zh} 文件…`));
  try {
    const response = await postJSON(`/api/draft/export?format=${format}`, table, {
      headers: { "Content-Type": "application/json", Accept: `${kind.mime}, application/json;q=0.5` },
    });
    const blob = await response.blob();
    const filename = filenameFrom(response.headers.get("Content-Disposition")) || `${table.name}-绩效目标草稿.${kind.ext}`;
    saveBlob(blob, filename);
    render(status, html`<p class="hint saved" role="status">已下载 <strong>${filename}</strong>（${table.rows.length} 个指标）。</p>`);
  } catch (err) {
    if (err.status === 404 || err.status === 405) {
      render(
        status,
        errorHTML(
          new ApiError(
            `服务器没有提供导出接口（POST /api/draft/export，服务器回答：${err.message}）。请联系管理员升级服务；本页的选择和修改仍然保留。`,
            err.status,
          ),
          "暂时无法下载",
        ),
      );
    } else {
      render(status, errorHTML(err, `下载 ${kind.zh} 出错`));
    }
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

// --- running a draft ---

async function run(state) {
  if (running) running.abort();
  running = null;
  render(notices, "");
  nameError.hidden = true;
  fields.name.removeAttribute("aria-invalid");
  if (!state.name) {
    current = null;
    setTitle("起草");
    render(out, introHTML());
    return;
  }
  const { body, problems } = bodyOf(state);
  if (problems.length) {
    current = null;
    render(out, errorHTML({ message: problems.join(" ") }, "请检查填写的内容"));
    return;
  }
  setTitle(`${state.name} - 起草`);
  const controller = new AbortController();
  running = controller;
  out.setAttribute("aria-busy", "true");
  draftButton.disabled = true;
  render(out, loadingHTML("正在查找前例并起草…"));
  try {
    const response = await postJSON("/api/draft", body, { signal: controller.signal });
    const data = await response.json();
    if (controller !== running) return;
    setUp(data, body);
    customCount = 0;
    if (state.table) applySaved(state.table);
    render(notices, warningsHTML(data.warnings));
    render(out, draftHTML(data, body));
    if (state.table) {
      document.getElementById("objective-text").value = state.table.objective || "";
      for (const row of current.rows.values()) {
        if (row.custom) {
          const tbody = out.querySelector(`tbody.slot[data-slot="${row.slot}"]`);
          tbody.insertAdjacentHTML("beforeend", customRowHTML(row).toString());
          const tr = tbody.querySelector(`tr[data-key="${row.key}"]`);
          tr.querySelector(".label-input").value = row.label;
          tr.querySelector(".value-input").value = row.value;
        } else {
          paintRow(row);
        }
      }
      render("#save-state", html`<span class="saved-mark">已保存</span>`);
    }
    savedId = state.savedId || null;
    dirty = false;
    updateCounts();
    review();
  } catch (err) {
    if (err.name === "AbortError") return;
    current = null;
    render(out, errorHTML(err, "起草出错"));
  } finally {
    if (controller === running) {
      running = null;
      out.setAttribute("aria-busy", "false");
      draftButton.disabled = false;
    }
  }
}

function go(state) {
  if (dirty && !window.confirm("当前草稿有未保存的修改，重新起草会丢失这些修改。继续？")) return;
  dirty = false;
  const url = urlOf(state);
  if (url !== location.pathname + location.search) history.pushState(null, "", url);
  run(state);
}

// --- wiring ---

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const state = fromForm();
  if (!state.name) {
    nameError.hidden = false;
    fields.name.setAttribute("aria-invalid", "true");
    fields.name.focus();
    return;
  }
  go(state);
});

fields.name.addEventListener("input", () => {
  if (clean(fields.name.value)) {
    nameError.hidden = true;
    fields.name.removeAttribute("aria-invalid");
  }
});

async function addCustom(n) {
  await optionsLoaded; // the 二级指标 choices for a category without candidates
  if (!current || !current.slots[n]) return;
  const entry = current.slots[n];
  const slot = entry.slot;
  const level1 = slot.level1.label;
  const options = level2Options.get(level1) || [];
  const fixedLevel2 = slot.level2 ? slot.level2.label : null;
  const key = `s${n}x${++customCount}`;
  const row = {
    key,
    slot: n,
    custom: true,
    selected: true,
    label: "",
    value: "",
    level1,
    level2: fixedLevel2 || options[0] || "",
    fixedLevel2,
  };
  current.rows.set(key, row);
  const body = out.querySelector(`tbody.slot[data-slot="${n}"]`);
  body.insertAdjacentHTML("beforeend", customRowHTML(row).toString());
  body.querySelector(`tr[data-key="${key}"] .label-input`).focus();
  updateCounts();
  changed();
}

out.addEventListener("click", (event) => {
  if (!current) return;
  const button = event.target.closest("button");
  if (!button) {
    // A click on a candidate's name (not on a link) selects or removes it, like its checkbox mark.
    const cell = event.target.closest("tr.cand:not(.custom) td.name");
    if (cell && !event.target.closest("a, [contenteditable]")) {
      const row = current.rows.get(cell.parentElement.dataset.key);
      row.selected = !row.selected;
      paintRow(row);
      updateCounts();
      changed();
    }
    return;
  }
  const tr = button.closest("tr.cand");
  const row = tr ? current.rows.get(tr.dataset.key) : null;
  const action = button.dataset.action;
  if (action === "toggle" && row) {
    row.selected = !row.selected;
    paintRow(row);
    updateCounts();
    changed();
    tr.querySelector("td.act button").focus();
  } else if (action === "delete" && row) {
    current.rows.delete(row.key);
    tr.remove();
    updateCounts();
    changed();
  } else if (action === "revert" && row) {
    setValue(row, row.initial, tr.querySelector(".value-input"));
  } else if (action === "rename-revert" && row) {
    setName(row, row.candidate.label, tr.querySelector("td.name .label"));
  } else if (action === "save") {
    save();
  } else if (action === "more-precedents") {
    const list = out.querySelector(".precedent-list");
    const open = list.classList.toggle("all");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "收起" : `显示其余 ${list.querySelectorAll(".extra").length} 个前例`;
  } else if (action === "custom") {
    addCustom(Number(button.dataset.slot));
  } else if (action === "download") {
    download(button);
  } else if (action === "use-mine" || action === "use-draft") {
    document.getElementById("objective-text").value =
      action === "use-mine" ? current.request.objective || "" : current.data.objective.text || "";
    changed();
  } else if (button.classList.contains("evidence-toggle")) {
    const open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", String(!open));
    document.getElementById(button.getAttribute("aria-controls")).hidden = open;
  } else if (button.classList.contains("value-chip")) {
    const evidenceRow = button.closest("tr.evidence-row");
    const owner = evidenceRow && evidenceRow.previousElementSibling;
    const target = owner ? current.rows.get(owner.dataset.key) : null;
    if (target) {
      const input = owner.querySelector(".value-input");
      setValue(target, button.dataset.value, input);
      input.focus();
    }
  }
});

out.addEventListener("input", (event) => {
  if (!current) return;
  const tr = event.target.closest("tr.cand");
  const row = tr ? current.rows.get(tr.dataset.key) : null;
  if (!row) {
    if (event.target.id === "objective-text") changed();
    return;
  }
  if (event.target.classList.contains("value-input")) setValue(row, event.target.value);
  else if (event.target.classList.contains("label") && !row.custom) setName(row, event.target.textContent);
  else if (event.target.classList.contains("label-input")) {
    row.label = event.target.value.trim();
    updateCounts();
    changed();
  } else if (event.target.classList.contains("level2-input")) {
    row.level2 = event.target.value.trim();
    changed();
  }
});

// An indicator name is one line: Enter ends the edit.
out.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches("td.name .label[contenteditable]")) {
    event.preventDefault();
    event.target.blur();
  }
});

window.addEventListener("beforeunload", (event) => {
  if (!dirty) return;
  event.preventDefault();
  event.returnValue = ""; // the browser shows its own "leave the page?" question
});

document.getElementById("saved-drafts").addEventListener("click", (event) => {
  const button = event.target.closest('button[data-action="delete-saved"]');
  if (button) removeSaved(button.dataset.id);
});

out.addEventListener("change", (event) => {
  if (!current || !event.target.classList.contains("level2-input")) return;
  const tr = event.target.closest("tr.cand");
  const row = tr ? current.rows.get(tr.dataset.key) : null;
  if (row) {
    row.level2 = event.target.value.trim();
    changed();
  }
});

/** The state of a saved draft (/draft?saved=ID): its request in the form, its table to apply. */
async function savedState(id) {
  const saved = await getJSON(`/api/drafts/${encodeURIComponent(id)}`);
  const r = saved.request || {};
  const text = (v) => (v === null || v === undefined ? "" : String(v));
  return {
    name: text(r.name),
    objective: text(r.objective),
    amount: text(r.amount),
    unit: text(r.unit),
    year: text(r.year),
    table: saved.table,
    savedId: saved.id,
  };
}

async function open(state) {
  if (!state.saved) {
    toForm(state);
    return run(state);
  }
  try {
    const opened = await savedState(state.saved);
    toForm(opened);
    return run(opened);
  } catch (err) {
    current = null;
    render(out, errorHTML(err, "无法打开已保存的草稿"));
  }
}

window.addEventListener("popstate", () => {
  open(fromURL());
});

async function loadOptions() {
  const [units, tree] = await Promise.allSettled([getJSON("/api/units"), getJSON("/api/categories")]);
  if (units.status === "fulfilled") {
    const list = document.getElementById("unit-list");
    const labels = [...new Set(units.value.map((u) => u.label))];
    for (const label of labels) list.append(new Option(label, label));
  }
  if (tree.status === "fulfilled") {
    level2Options = new Map(tree.value.map((node) => [node.label, (node.children || []).map((c) => c.label)]));
  }
}

async function start() {
  const state = fromURL();
  optionsLoaded = loadOptions(); // suggestions only: the page works without them
  loadSaved();
  await open(state);
  if (!state.name && !state.saved) fields.name.focus();
}

start();
