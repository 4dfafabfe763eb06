// SPARQL 查询 (/query): an editor, the cookbook, a results table, CSV download.
// The query is kept in the URL (/query?query=…): a shared link opens and runs it.

import {
  DEFAULT_BASE,
  baseOf,
  errorFrom,
  errorHTML,
  getJSON,
  html,
  idOf,
  loadingHTML,
  pageFor,
  render,
  setTitle,
} from "/static/app.js";

const RESULTS = "application/sparql-results+json";
const GRAPH = "application/n-triples";
const ACCEPT = `${RESULTS}, ${GRAPH};q=0.5`; // SELECT/ASK as JSON, CONSTRUCT/DESCRIBE as N-Triples
const CSV_ACCEPT = `text/csv, ${GRAPH};q=0.5`;
const CHUNK = 500; // table rows drawn at a time

const form = document.getElementById("sparql-form");
const editor = document.getElementById("editor");
const runButton = document.getElementById("run");
const csvButton = document.getElementById("csv");
const list = document.getElementById("example-list");
const about = document.getElementById("example-about");
const result = document.getElementById("result");
const notices = document.getElementById("notices");

let prefixes = {
  jx: "https://w3id.org/jixiao/ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
};
let base = DEFAULT_BASE;
let examples = [];
let running = null;

// --- the starting text ---

function prefixLines() {
  const width = Math.max(...Object.keys(prefixes).map((p) => p.length)) + 1;
  return Object.entries(prefixes)
    .map(([name, iri]) => `PREFIX ${`${name}:`.padEnd(width)} <${iri}>`)
    .join("\n");
}

function starter() {
  return `${prefixLines()}

# 项目及其金额（万元），金额从大到小。Projects by amount.
SELECT ?project ?name ?year ?wan
WHERE {
  ?project a jx:Project ;
           rdfs:label ?name .
  OPTIONAL { ?project jx:fiscalYear ?year }
  OPTIONAL { ?project jx:amountWanYuan ?wan }
}
ORDER BY DESC(?wan)
LIMIT 20
`;
}

// --- showing terms ---

// Shown shortened in the table too (the editor starts with the API's prefixes only).
const DISPLAY_PREFIXES = {
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  owl: "http://www.w3.org/2002/07/owl#",
  sh: "http://www.w3.org/ns/shacl#",
};

function shorten(iri) {
  let best = null;
  for (const [name, ns] of Object.entries({ ...DISPLAY_PREFIXES, ...prefixes })) {
    if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [name, ns];
  }
  if (best) {
    const local = iri.slice(best[1].length);
    if (/^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u.test(local) || local === "") return `${best[0]}:${local}`;
  }
  return iri;
}

const NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|nonNegativeInteger|positiveInteger|gYear)$/;

function termCell(term) {
  if (!term) return html`<td class="unbound"></td>`;
  if (term.type === "uri") {
    if (term.value.startsWith(base)) {
      const id = idOf(term.value, base);
      const page = pageFor(id);
      return page
        ? html`<td><a class="iri" href="${page}" title="${term.value}">${id}</a></td>`
        : html`<td><span class="iri" title="${term.value}">${id}</span></td>`;
    }
    return html`<td><span class="iri" title="${term.value}">${shorten(term.value)}</span></td>`;
  }
  if (term.type === "bnode") return html`<td><span class="iri" title="空白节点 blank node">_:${term.value}</span></td>`;
  if (term.type === "literal" || term.type === "typed-literal") {
    const datatype = term.datatype || "";
    const numeric = NUMERIC.test(datatype);
    const lang = term["xml:lang"];
    const tip = lang ? `@${lang}` : datatype ? shorten(datatype) : "";
    // Chinese is the data's own language: only other languages are marked in the cell.
    const mark = lang && !/^zh\b/i.test(lang) ? html`<span class="lang">@${lang}</span>` : "";
    return html`<td class="${numeric ? "num" : ""}" title="${tip}">${term.value}${mark}</td>`;
  }
  if (term.type === "triple") {
    const v = term.value || {};
    const part = (t) => (t ? (t.type === "uri" ? shorten(t.value) : t.value) : "?");
    return html`<td>&lt;&lt; ${part(v.subject)} ${part(v.predicate)} ${part(v.object)} &gt;&gt;</td>`;
  }
  return html`<td>${JSON.stringify(term)}</td>`;
}

function rowHTML(vars, binding, n) {
  return html`<tr><td class="n">${n}</td>${vars.map((v) => termCell(binding[v]))}</tr>`;
}

// N-Triples, one triple a line, into bindings of s, p, o (enough to show CONSTRUCT and DESCRIBE).
const NT_TERM = /\s*(<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)/y;

function unescapeLiteral(text) {
  return text.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e) => {
    if (e[0] === "u" || e[0] === "U") return String.fromCodePoint(parseInt(e.slice(1), 16));
    return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f" }[e] ?? e;
  });
}

function ntTerm(text) {
  if (text.startsWith("<")) return { type: "uri", value: text.slice(1, -1) };
  if (text.startsWith("_:")) return { type: "bnode", value: text.slice(2) };
  const m = /^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$/.exec(text);
  if (!m) return { type: "literal", value: text };
  const term = { type: "literal", value: unescapeLiteral(m[1]) };
  if (m[2]) term["xml:lang"] = m[2];
  if (m[3]) term.datatype = m[3];
  return term;
}

function parseNTriples(text) {
  const bindings = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    NT_TERM.lastIndex = 0;
    const terms = [];
    for (let i = 0; i < 3; i++) {
      const m = NT_TERM.exec(line);
      if (!m) break;
      terms.push(ntTerm(m[1]));
    }
    if (terms.length === 3) bindings.push({ s: terms[0], p: terms[1], o: terms[2] });
  }
  return { head: { vars: ["s", "p", "o"] }, results: { bindings } };
}

// --- the result ---

function cutHTML(cut) {
  if (!cut) return "";
  const rows = /^rows;\s*limit=(\d+)/.exec(cut);
  const time = /^time;\s*limit=([\d.]+)s?/.exec(cut);
  let text = `结果不完整（${cut}）`;
  if (rows) text = `结果已截断：只返回了前 ${rows[1]} 行。请加上 LIMIT 或更具体的条件。`;
  else if (time) text = `查询超过时间上限 ${time[1]} 秒，只返回了到那时为止得到的行。请缩小查询范围。`;
  return html`<div class="notice warn" role="status"><strong>注意 <small>Cut short</small></strong>
    <p>${text} <small>X-Jixiao-Cut: ${cut}</small></p></div>`;
}

// --- sorting the table by a column (a click on its header: ascending, then descending) ---

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const collator = new Intl.Collator("zh"); // as localeCompare(…, "zh"): Chinese by pinyin

// What a cell sorts by: a number (numeric literals, and text that is a number), else its text as shown.
function sortKey(term) {
  if (!term) return null;
  if (term.type === "literal" || term.type === "typed-literal") {
    const text = term.value.trim();
    if (NUMERIC.test(term.datatype || "") || NUMBER_TEXT.test(text)) {
      const n = Number(text);
      if (text !== "" && !Number.isNaN(n)) return n;
    }
    return term.value;
  }
  if (term.type === "uri") return term.value.startsWith(base) ? idOf(term.value, base) : shorten(term.value);
  return typeof term.value === "string" ? term.value : JSON.stringify(term.value);
}

// Numbers before text, both in the direction asked; unbound cells always last.
function compareKeys(a, b, direction) {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const aNumber = typeof a === "number";
  if (aNumber !== (typeof b === "number")) return aNumber ? -1 : 1;
  return direction * (aNumber ? a - b : collator.compare(a, b));
}

function sortedRows(rows, column, direction) {
  const keyed = rows.map((binding, i) => ({ binding, i, key: column === null ? i : sortKey(binding[column]) }));
  keyed.sort((x, y) => compareKeys(x.key, y.key, direction) || x.i - y.i);
  return keyed;
}

function headerHTML(label, column) {
  return html`<th scope="col" class="${column === null ? "n" : ""}" data-column="${column === null ? "" : column}"><button
    type="button" class="sort" title="点击排序 Sort">${label}</button></th>`;
}

function showTable(data, meta) {
  const vars = data.head.vars || [];
  const rows = data.results.bindings;
  const status = html`<div class="result-status">
    <span>共 <strong id="row-count">${rows.length}</strong> ${meta.graph ? "个三元组" : "行"} · ${vars.length} 列</span>
    <span>用时 ${meta.ms} 毫秒</span></div>`;
  if (!rows.length) {
    render(result, html`${cutHTML(meta.cut)}${status}<div class="empty"><strong>没有结果 <small>No rows</small></strong>查询运行成功，但没有匹配的数据。</div>`);
    return;
  }
  render(result, html`${cutHTML(meta.cut)}${status}
    <div class="table-wrap results-table"><table>
      <thead><tr>${headerHTML("#", null)}${vars.map((v) => headerHTML(`?${v}`, v))}</tr></thead>
      <tbody></tbody></table></div>
    <div class="more" hidden><button type="button" data-action="more"></button></div>`);
  const body = result.querySelector("tbody");
  const more = result.querySelector(".more");
  const button = more.querySelector("button");
  let order = rows.map((binding, i) => ({ binding, i }));
  let shown = 0;
  const draw = () => {
    const next = order.slice(shown, shown + CHUNK);
    body.insertAdjacentHTML("beforeend", html`${next.map((r) => rowHTML(vars, r.binding, r.i + 1))}`.toString());
    shown += next.length;
    more.hidden = shown >= order.length;
    button.textContent = `再显示 ${Math.min(CHUNK, order.length - shown)} 行（已显示 ${shown} / ${order.length}）`;
  };
  button.addEventListener("click", draw);
  result.querySelector("thead").addEventListener("click", (event) => {
    const th = event.target.closest("th[data-column]");
    if (!th) return;
    const direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    for (const other of th.parentElement.children) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    order = sortedRows(rows, th.dataset.column || null, direction);
    const drawn = shown;
    body.replaceChildren();
    shown = 0;
    while (shown < Math.min(drawn, order.length)) draw(); // as many rows as were shown before
  });
  draw();
}

function showBoolean(value, meta) {
  render(result, html`<div class="result-status"><span>ASK 查询</span><span>用时 ${meta.ms} 毫秒</span></div>
    <div class="panel"><span class="boolean-answer">${value ? "是 true" : "否 false"}</span></div>`);
}

function syntaxPosition(message) {
  const m = /at (\d+):(\d+)/.exec(message);
  if (!m) return null;
  const line = parseInt(m[1], 10);
  const column = parseInt(m[2], 10);
  const lines = editor.value.split("\n");
  if (line < 1 || line > lines.length) return null;
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  return { line, column, offset: offset + Math.max(0, Math.min(column - 1, lines[line - 1].length)) };
}

function showError(err) {
  const syntax = err.status === 400 && /syntax|parse|语法/i.test(err.message);
  if (!syntax) {
    render(result, errorHTML(err, "查询失败"));
    return;
  }
  const where = syntaxPosition(err.message);
  render(result, html`<div class="notice error" role="alert">
    <p><strong>查询语法错误 <small>SPARQL syntax error</small></strong>${
      where ? html` · 第 ${where.line} 行第 ${where.column} 列` : ""
    }</p>
    <pre>${err.message}</pre>
    ${where ? html`<p><button type="button" class="link" data-action="goto" data-offset="${where.offset}">在编辑器中定位</button></p>` : ""}
  </div>`);
}

// --- running ---

function post(query, accept, signal) {
  return fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
    body: new URLSearchParams({ query }),
    signal,
  });
}

function keepInURL(query, replace = false) {
  const url = `/query?${new URLSearchParams({ query })}`;
  if (url === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", url);
}

async function run({ remember = true } = {}) {
  const query = editor.value;
  if (!query.trim()) {
    render(result, errorHTML({ message: "请输入 SPARQL 查询。" }, "查询为空"));
    return;
  }
  if (remember) keepInURL(query);
  if (running) running.abort();
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  result.setAttribute("aria-busy", "true");
  render(notices, "");
  render(result, loadingHTML("正在运行查询…"));
  const started = performance.now();
  try {
    let response;
    try {
      response = await post(query, ACCEPT, controller.signal);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw Object.assign(new Error("无法连接服务器，请检查网络或服务是否已启动（network error）"), { status: 0 });
    }
    if (!response.ok) throw await errorFrom(response);
    const type = (response.headers.get("content-type") || "").split(";")[0].trim();
    const meta = {
      ms: Math.round(performance.now() - started),
      cut: response.headers.get("x-jixiao-cut"),
      rows: response.headers.get("x-jixiao-rows"),
      graph: false,
    };
    if (controller !== running) return;
    if (type === GRAPH || type === "text/plain") {
      meta.graph = true;
      showTable(parseNTriples(await response.text()), meta);
    } else {
      const data = await response.json();
      if (typeof data.boolean === "boolean") showBoolean(data.boolean, meta);
      else showTable(data, meta);
    }
  } catch (err) {
    if (err.name === "AbortError") return;
    showError(err);
  } finally {
    if (controller === running) {
      running = null;
      runButton.disabled = false;
      result.setAttribute("aria-busy", "false");
      showResult();
    }
  }
}

// After a query ran, the view goes to its answer (below the editor and, on a phone, the cookbook).
function showResult() {
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  result.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
}

async function downloadCSV() {
  const query = editor.value;
  if (!query.trim()) return;
  csvButton.disabled = true;
  try {
    const response = await post(query, CSV_ACCEPT);
    if (!response.ok) throw await errorFrom(response);
    const type = (response.headers.get("content-type") || "").split(";")[0].trim();
    const graph = type !== "text/csv";
    const text = await response.text();
    // A byte-order mark so that Excel on Windows reads the Chinese as UTF-8.
    const blob = new Blob([graph ? text : `\uFEFF${text}`], { type: `${type || "text/csv"};charset=utf-8` });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = graph ? "jixiao-query.nt" : "jixiao-query.csv";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (err) {
    render(notices, errorHTML(err, "下载 CSV 失败"));
  } finally {
    csvButton.disabled = false;
  }
}

// --- the cookbook ---

function showAbout(example) {
  if (!example) {
    about.hidden = true;
    return;
  }
  about.hidden = false;
  render(about, html`<strong>${example.title}</strong> <small>${example.title_en}</small><br>${example.description}`);
}

function listExamples() {
  document.getElementById("example-count").textContent = `${examples.length} 个`;
  render(list, examples.map((q, i) => html`<li><button type="button" data-example="${i}" title="${q.name}">
    <span class="t">${q.title}</span><span class="t-en">${q.title_en}</span><span class="d">${q.description}</span>
  </button></li>`));
}

function markExample(index) {
  for (const button of list.querySelectorAll("button")) {
    button.setAttribute("aria-current", String(button.dataset.example === String(index)));
  }
  showAbout(index === null ? null : examples[index]);
}

function currentExample() {
  const text = editor.value.trim();
  const i = examples.findIndex((q) => q.text.trim() === text);
  return i >= 0 ? i : null;
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-example]");
  if (!button) return;
  const i = parseInt(button.dataset.example, 10);
  editor.value = examples[i].text;
  markExample(i);
  editor.focus();
  editor.setSelectionRange(0, 0);
  editor.scrollTop = 0;
  if (window.matchMedia("(max-width: 980px)").matches) editor.scrollIntoView({ block: "start" });
});

// --- wiring ---

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  }
});

editor.addEventListener("input", () => markExample(currentExample()));

csvButton.addEventListener("click", downloadCSV);

document.getElementById("starter").addEventListener("click", () => {
  editor.value = starter();
  markExample(null);
  editor.focus();
});

result.addEventListener("click", (event) => {
  const button = event.target.closest('button[data-action="goto"]');
  if (!button) return;
  const offset = parseInt(button.dataset.offset, 10);
  editor.focus();
  editor.setSelectionRange(offset, Math.min(editor.value.length, offset + 1));
});

window.addEventListener("popstate", () => {
  const query = new URLSearchParams(location.search).get("query");
  editor.value = query || starter();
  markExample(currentExample());
  if (query) run({ remember: false });
  else render(result, "");
});

async function start() {
  setTitle("SPARQL 查询");
  const fromURL = new URLSearchParams(location.search).get("query");
  if (fromURL) editor.value = fromURL;
  const [loaded, units] = await Promise.allSettled([getJSON("/api/examples"), getJSON("/api/units")]);
  if (units.status === "fulfilled" && units.value.length) base = baseOf(units.value[0]);
  if (loaded.status === "fulfilled") {
    prefixes = loaded.value.prefixes || prefixes;
    examples = loaded.value.queries || [];
    listExamples();
  } else {
    render(list, html`<li>${errorHTML(loaded.reason, "示例加载失败")}</li>`);
  }
  if (window.matchMedia("(max-width: 980px)").matches) document.getElementById("examples").open = false;
  if (!fromURL) {
    const name = new URLSearchParams(location.search).get("example");
    const i = examples.findIndex((q) => q.name === name);
    editor.value = i >= 0 ? examples[i].text : starter();
  }
  markExample(currentExample());
  if (fromURL) run({ remember: false });
}

start();
