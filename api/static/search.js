// 搜索 (/): the search box, the filters, the result cards and "similar in other townships".
// The query and the filters live in the URL (/?q=…&kind=…&unit=…&level1=…&level2=…), so a
// result page can be shared, reloaded, and the back button goes to the previous search.

import {
  KINDS,
  errorHTML,
  getJSON,
  html,
  idOf,
  baseOf,
  kindBadge,
  loadingHTML,
  pageFor,
  pathHTML,
  projectURL,
  render,
  searchURL,
  setTitle,
  similarListHTML,
  targetValue,
  warningsHTML,
} from "/static/app.js";

const PAGE = 10; // results per page; 加载更多 adds this many (the API allows up to 100)
const MAX = 100;
const EXAMPLES = ["村干部补贴", "群众满意度", "办公经费", "资金发放及时率", "环境卫生整治", "公共服务"];

const form = document.getElementById("search-form");
const box = document.getElementById("q");
const unitSelect = document.getElementById("unit");
const level1Select = document.getElementById("level1");
const level2Select = document.getElementById("level2");
const results = document.getElementById("results");
const notices = document.getElementById("notices");

let categories = [];
let stats = null;
let running = null; // the AbortController of the search in flight
let cardCount = 0;

// --- state <-> URL <-> form ---

function fromURL() {
  const p = new URLSearchParams(location.search);
  const limit = parseInt(p.get("limit") || "", 10);
  return {
    q: (p.get("q") || "").trim(),
    kind: p.get("kind") || "",
    unit: p.get("unit") || "",
    level1: p.get("level1") || "",
    level2: p.get("level2") || "",
    year: p.get("year") || "",
    limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, MAX) : PAGE,
  };
}

function fromForm() {
  const kind = form.querySelector('input[name="kind"]:checked');
  return {
    q: box.value.trim(),
    kind: kind ? kind.value : "",
    unit: unitSelect.value,
    level1: level1Select.value,
    level2: level2Select.value,
    year: new URLSearchParams(location.search).get("year") || "", // kept when given in the URL
    limit: PAGE,
  };
}

function ensureOption(select, value) {
  if (!value) return;
  if (![...select.options].some((o) => o.value === value)) {
    select.add(new Option(value, value));
  }
}

function toForm(state, selects = true) {
  box.value = state.q;
  const radio = form.querySelector(`input[name="kind"][value="${CSS.escape(state.kind)}"]`);
  (radio || form.querySelector('input[name="kind"][value=""]')).checked = true;
  if (!selects) return;
  ensureOption(unitSelect, state.unit);
  unitSelect.value = state.unit;
  ensureOption(level1Select, state.level1);
  level1Select.value = state.level1;
  fillLevel2(state.level2);
}

function urlOf(state) {
  return searchURL({
    q: state.q,
    kind: state.kind,
    unit: state.unit,
    level1: state.level1,
    level2: state.level2,
    year: state.year,
    limit: state.limit !== PAGE ? String(state.limit) : "",
  });
}

// --- the filter options ---

function townships(units) {
  const byIri = new Map(units.map((u) => [u.iri, u]));
  const top = (u) => {
    const seen = new Set();
    while (u.parent && byIri.has(u.parent.iri) && !seen.has(u.iri)) {
      seen.add(u.iri);
      u = byIri.get(u.parent.iri);
    }
    return u;
  };
  const found = new Map();
  for (const unit of units) {
    const town = top(unit);
    const entry = found.get(town.iri) || { unit: town, projects: 0, indicators: 0 };
    entry.projects += unit.projects || 0;
    entry.indicators += unit.indicators || 0;
    found.set(town.iri, entry);
  }
  return [...found.values()];
}

function fillUnits(units) {
  const towns = townships(units);
  for (const { unit, projects } of towns) {
    const value = unit.code || unit.iri;
    const label = `${unit.label}${unit.code ? `（${unit.code}）` : ""} · ${projects} 个项目`;
    unitSelect.add(new Option(label, value));
  }
  stats = {
    townships: towns.length,
    projects: units.reduce((n, u) => n + (u.projects || 0), 0),
    indicators: units.reduce((n, u) => n + (u.indicators || 0), 0),
  };
}

function fillLevel1(tree) {
  categories = tree;
  for (const node of tree) {
    level1Select.add(new Option(`${node.label}（${node.indicators}）`, node.label));
  }
}

function fillLevel2(selected = level2Select.value) {
  const chosen = categories.find((node) => node.label === level1Select.value);
  const groups = chosen ? [chosen] : categories;
  level2Select.replaceChildren(new Option("全部", ""));
  for (const node of groups) {
    const parent = chosen ? level2Select : document.createElement("optgroup");
    if (!chosen) parent.label = node.label;
    for (const child of node.children || []) {
      parent.append(new Option(`${child.label}（${child.indicators}）`, child.label));
    }
    if (!chosen && parent.children.length) level2Select.append(parent);
  }
  if (selected && ![...level2Select.options].some((o) => o.value === selected)) {
    // A level 2 that is not under the chosen level 1: keep it only when it came from a URL.
    if (chosen && categories.length) selected = "";
    else ensureOption(level2Select, selected);
  }
  level2Select.value = selected || "";
}

// --- rendering ---

function introHTML() {
  const counts = stats
    ? html`<p class="hint">已收录 ${stats.townships} 个乡镇 · ${stats.projects} 个项目 · ${stats.indicators} 个三级指标</p>`
    : "";
  return html`<div class="empty">
    <strong>输入关键词开始搜索 <small>Search</small></strong>
    可以搜索项目名称、绩效目标和三级指标，按意思查找相近的说法，例如：
    <div class="examples-inline">${EXAMPLES.map((q) => html`<a class="chip" href="${searchURL({ q })}">${q}</a>`)}</div>
    ${counts}
  </div>`;
}

function filtersSummary(state) {
  const parts = [];
  if (state.kind) parts.push(KINDS[state.kind] ? KINDS[state.kind].zh : state.kind);
  if (state.unit) parts.push(unitSelect.selectedOptions[0] ? unitSelect.selectedOptions[0].text.split(" · ")[0] : state.unit);
  if (state.level1) parts.push(state.level1);
  if (state.level2) parts.push(state.level2);
  if (state.year) parts.push(`${state.year} 年`);
  return parts.length ? html` <small>（筛选：${parts.join("、")}）</small>` : "";
}

// The query's words the hit contains (the API's matched_words, longest first), marked in its title.
// Built from html`` pieces, so every part of the label stays escaped.
function highlighted(label, words) {
  const found = (words || []).filter((w) => w && label.toLowerCase().includes(w));
  if (!found.length) return html`${label}`;
  const lower = label.toLowerCase();
  const parts = [];
  let at = 0;
  while (at < label.length) {
    let next = -1;
    let word = "";
    for (const w of found) {
      const i = lower.indexOf(w, at);
      if (i >= 0 && (next < 0 || i < next || (i === next && w.length > word.length))) {
        next = i;
        word = w;
      }
    }
    if (next < 0) break;
    parts.push(html`${label.slice(at, next)}<mark>${label.slice(next, next + word.length)}</mark>`);
    at = next + word.length;
  }
  parts.push(html`${label.slice(at)}`);
  return parts;
}

const MATCH_BADGE = {
  close: html`<span class="match close" title="与查询相近 Close match">相近</span>`,
  related: html`<span class="match related" title="与查询相关 Related">相关</span>`,
};

function amountOf(hit) {
  if (hit.amount === null || hit.amount === undefined) return "";
  const what = hit.kind === "project" ? "金额" : "项目金额";
  return html`<span><span class="k">${what}</span>${hit.amount} 万元</span>`;
}

function cardHTML(hit) {
  const n = ++cardCount;
  const page = pageFor(hit.id);
  const kind = KINDS[hit.kind] || { zh: hit.kind, similar: "相似条目" };
  const label = highlighted(hit.label, hit.matched_words);
  const title = page ? html`<a href="${page}">${label}</a>` : html`${label}`;
  const target = hit.target
    ? html`<div class="target" title="指标值 Target"><span class="label">指标值</span>${targetValue(hit.target.raw)}</div>`
    : "";
  const project =
    hit.project && hit.kind !== "project"
      ? html`<span><span class="k">项目</span><a href="${projectURL(hit.project.id)}">${hit.project.label}</a></span>`
      : "";
  const township = hit.township ? html`<span><span class="k">乡镇</span>${hit.township.label}</span>` : "";
  const unit =
    hit.unit && (!hit.township || hit.unit.label !== hit.township.label)
      ? html`<span><span class="k">预算单位</span>${hit.unit.label}</span>`
      : "";
  const dups = hit.duplicates && hit.duplicates.length
    ? html`<details class="dups" data-iris="${JSON.stringify(hit.duplicates)}" data-base="${baseOf(hit)}">
        <summary>+${hit.duplicates.length} 个相同${kind.zh}</summary><ul class="dup-list"></ul></details>`
    : "";
  return html`<li class="card" data-kind="${hit.kind}" data-id="${hit.id}" data-match="${hit.match || ""}">
    <div class="card-top">${kindBadge(hit.kind)}${MATCH_BADGE[hit.match] || ""}${pathHTML(hit.level1, hit.level2)}
      ${hit.year ? html`<span class="year">${hit.year} 年</span>` : ""}</div>
    <div class="card-main">
      <h3 class="card-title ${hit.kind}">${title}</h3>
      ${target}
    </div>
    <div class="card-meta">${project}${township}${unit}${amountOf(hit)}</div>
    <div class="card-actions">
      <button type="button" class="link similar" aria-expanded="false" aria-controls="similar-${n}"
              data-id="${hit.id}" data-kind="${hit.kind}">${kind.similar}</button>
      ${dups}
    </div>
    <div class="similar-panel" id="similar-${n}" hidden></div>
  </li>`;
}

function resultsHTML(state, data) {
  if (!data.hits.length) {
    const filtered = state.kind || state.unit || state.level1 || state.level2 || state.year;
    return html`<div class="empty" role="status">
      <strong>没有找到 <small>No results</small></strong>
      没有与“${state.q}”相符的${state.kind && KINDS[state.kind] ? KINDS[state.kind].zh : "条目"}。
      可以换个说法${filtered ? html`，或 <button type="button" class="link" data-action="reset">清除筛选</button>` : ""}。
    </div>`;
  }
  const more =
    data.hits.length >= state.limit && state.limit < MAX
      ? html`<div class="more"><button type="button" data-action="more">加载更多 <small>More</small></button></div>`
      : "";
  // data.match is the calibrated judgement of the answer (search/match.py); data.total counts the
  // hits judged close or related over every candidate, not the page.
  const verdict =
    data.match === "close"
      ? html`<span>“<strong>${state.q}</strong>”：找到 <strong class="total">${data.total}</strong> 条相近或相关的结果${filtersSummary(state)}</span>`
      : data.match === "related"
        ? html`<span>没有找到与“<strong>${state.q}</strong>”相近的指标或项目，以下是相关结果（共 <strong class="total">${data.total}</strong> 条）${filtersSummary(state)}</span>`
        : html`<span>没有找到相近的指标或项目${filtersSummary(state)}</span>`;
  const cards = html`<ol class="results">${data.hits.map(cardHTML)}</ol>`;
  const body =
    data.match === "none"
      ? html`<div class="empty no-match" role="status"><strong>没有找到相近的指标或项目 <small>No close match</small></strong>
          样本中没有与“${state.q}”相近的条目，可以换个说法。</div>
          <details class="nearest"><summary>仍显示最接近的 ${data.hits.length} 条（不一定相关）</summary>${cards}</details>`
      : html`${cards}${more}`;
  return html`<h2 class="visually-hidden">搜索结果</h2>
    <div class="results-head" data-match="${data.match || ""}">
      ${verdict}
      <span>显示 ${data.hits.length} 条 · 用时 ${Math.round(data.took_ms)} 毫秒</span>
    </div>
    ${body}`;
}

// --- running a search ---

async function run(state) {
  if (running) running.abort();
  running = null;
  render(notices, "");
  if (!state.q) {
    setTitle("搜索");
    render(results, introHTML());
    return;
  }
  setTitle(`${state.q} - 搜索`);
  const params = new URLSearchParams({ q: state.q, limit: String(state.limit) });
  for (const key of ["kind", "unit", "level1", "level2", "year"]) if (state[key]) params.set(key, state[key]);
  const controller = new AbortController();
  running = controller;
  results.setAttribute("aria-busy", "true");
  render(results, loadingHTML("正在搜索…"));
  try {
    const data = await getJSON(`/api/search?${params}`, { signal: controller.signal });
    if (controller !== running) return;
    render(notices, warningsHTML(data.warnings));
    cardCount = 0;
    render(results, resultsHTML(state, data));
  } catch (err) {
    if (err.name === "AbortError") return;
    render(results, errorHTML(err, "搜索出错"));
  } finally {
    if (controller === running) {
      running = null;
      results.setAttribute("aria-busy", "false");
    }
  }
}

function go(state, replace = false) {
  const url = urlOf(state);
  if (url !== location.pathname + location.search) {
    history[replace ? "replaceState" : "pushState"](null, "", url);
  }
  run(state);
}

// --- similar entries and duplicates, loaded when asked for ---

async function toggleSimilar(button) {
  const panel = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  panel.hidden = open;
  if (open || panel.dataset.loaded) return;
  panel.dataset.loaded = "1";
  const kind = KINDS[button.dataset.kind] || { zh: "条目" };
  render(panel, loadingHTML("正在查找其他乡镇的相似条目…"));
  try {
    const data = await getJSON(`/api/similar?id=${encodeURIComponent(button.dataset.id)}&limit=5`);
    render(panel, html`<h3>其他乡镇的相似${kind.zh} <small>Similar in other townships</small></h3>
      ${warningsHTML(data.warnings)}
      ${data.hits.length ? similarListHTML(data.hits) : html`<p class="hint">其他乡镇没有相似的${kind.zh}。</p>`}`);
  } catch (err) {
    delete panel.dataset.loaded;
    render(panel, errorHTML(err, "查找相似条目出错"));
  }
}

async function loadDuplicates(details) {
  if (details.dataset.loaded) return;
  details.dataset.loaded = "1";
  const list = details.querySelector("ul");
  const base = details.dataset.base;
  const ids = JSON.parse(details.dataset.iris).map((iri) => idOf(iri, base));
  render(list, html`<li>${loadingHTML()}</li>`);
  const rows = await Promise.all(
    ids.slice(0, 30).map(async (id) => {
      const page = pageFor(id);
      if (!id.includes("/indicator/")) return html`<li>${page ? html`<a href="${page}">${id}</a>` : id}</li>`;
      try {
        const found = await getJSON(`/api/indicators/${id.split("/").map(encodeURIComponent).join("/")}`);
        return html`<li><a href="${page}">${found.label}</a>
          <span class="hint">（${found.target ? targetValue(found.target.raw) : "—"} · 项目：${found.project.label}）</span></li>`;
      } catch {
        return html`<li><a href="${page}">${id}</a></li>`;
      }
    }),
  );
  render(list, rows);
}

// --- wiring ---

form.addEventListener("submit", (event) => {
  event.preventDefault();
  go(fromForm());
});

for (const radio of form.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => box.value.trim() && go(fromForm()));
}
unitSelect.addEventListener("change", () => box.value.trim() && go(fromForm()));
level1Select.addEventListener("change", () => {
  fillLevel2();
  if (box.value.trim()) go(fromForm());
});
level2Select.addEventListener("change", () => box.value.trim() && go(fromForm()));

function resetFilters() {
  form.querySelector('input[name="kind"][value=""]').checked = true;
  unitSelect.value = "";
  level1Select.value = "";
  fillLevel2("");
  const state = fromForm();
  state.year = "";
  go(state);
}

document.getElementById("reset").addEventListener("click", resetFilters);

results.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.classList.contains("similar")) toggleSimilar(target);
  else if (target.dataset.action === "reset") resetFilters();
  else if (target.dataset.action === "more") {
    const state = fromURL();
    state.limit = Math.min(MAX, state.limit + PAGE * 2);
    go(state, true);
  }
});

results.addEventListener(
  "toggle",
  (event) => {
    if (event.target.matches("details.dups") && event.target.open) loadDuplicates(event.target);
  },
  true,
);

window.addEventListener("popstate", () => {
  const state = fromURL();
  toForm(state);
  run(state);
});

async function start() {
  const state = fromURL();
  toForm(state, false); // the box and the kind at once; the selects once their options are in
  const [units, tree] = await Promise.allSettled([getJSON("/api/units"), getJSON("/api/categories")]);
  const problems = [];
  if (units.status === "fulfilled") fillUnits(units.value);
  else problems.push(errorHTML(units.reason, "乡镇列表加载失败"));
  if (tree.status === "fulfilled") fillLevel1(tree.value);
  else problems.push(errorHTML(tree.reason, "指标类别加载失败"));
  toForm(fromURL());
  await run(fromURL());
  if (problems.length) notices.insertAdjacentHTML("afterbegin", problems.join(""));
  if (!state.q) box.focus();
}

start();
