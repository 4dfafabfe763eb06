// jixiao 绩效: helpers shared by every page (ES2020 module, no framework, no build step).
//
// Everything from the API is user-supplied text (names, targets, file names): it is put into
// the page only through `html` (which escapes every value) or `esc`, never concatenated raw.

/** HTML-escape any value (null and undefined become ""). */
export function esc(value) {
  if (value === null || value === undefined) return "";
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

class Safe {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

/** Mark already-built HTML so that `html` does not escape it again. */
export function raw(text) {
  return new Safe(String(text));
}

function piece(value) {
  if (value instanceof Safe) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return esc(value);
}

/** Tagged template: html`<b>${name}</b>` escapes `name`; nested html`` and arrays pass through. */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += piece(value) + strings[i + 1];
  });
  return new Safe(out);
}

/** Put built HTML into an element (or a selector). */
export function render(target, content) {
  const el = typeof target === "string" ? document.querySelector(target) : target;
  el.innerHTML = piece(content);
  return el;
}

// --- fetching ---

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The error message an API response carries (`{"error": …}`), or a Chinese one for the status. */
export async function errorFrom(response) {
  let message = "";
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      message = body.error || body.detail || text;
      // The Chinese beside the English (api/messages_zh.py), unless the message already holds it.
      if (typeof message === "string" && body.error_zh && !message.includes(body.error_zh)) {
        message = `${body.error_zh}（${message}）`;
      }
    } catch {
      message = text;
    }
  } catch {
    /* no body */
  }
  if (typeof message !== "string") message = JSON.stringify(message);
  return new ApiError(message.trim() || `服务器返回 ${response.status} ${response.statusText}`, response.status);
}

/** GET a JSON document; throws ApiError with the server's message (or a network message in Chinese). */
export async function getJSON(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError("无法连接服务器，请检查网络或服务是否已启动（network error）", 0);
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** An ISO time from the API (UTC) as the reader's local time, e.g. 2026/12/03 21:24. */
export function localTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return when.toLocaleString("zh-CN", {
    hour12: false,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function loadingHTML(text = "正在加载…") {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${text}</div>`;
}

export function errorHTML(err, title = "出错了") {
  const status = err && err.status ? `（${err.status}）` : "";
  const message = err && err.message ? err.message : String(err);
  return html`<div class="notice error" role="alert"><p><strong>${title}${status}</strong></p><p>${message}</p></div>`;
}

// --- the search API's English warnings, in Chinese first ---

const WARNINGS = [
  [/^no entry matches the filters$/, () => "没有符合筛选条件的条目"],
  [/^query cut to its first (\d+) of (\d+) characters$/, (m) => `查询过长，只使用了前 ${m[1]} 个字（共 ${m[2]} 个）`],
  [/^no searchable words in the query$/, () => "查询中没有可检索的词"],
];

export function warningText(text) {
  for (const [pattern, say] of WARNINGS) {
    const m = pattern.exec(text);
    if (m) return html`${say(m)} <small>${text}</small>`;
  }
  return html`${text}`;
}

export function warningsHTML(warnings) {
  if (!warnings || !warnings.length) return "";
  return html`<div class="notice warn" role="status"><strong>提示 <small>Note</small></strong>
    <ul>${warnings.map((w) => html`<li>${warningText(w)}</li>`)}</ul></div>`;
}

// --- ids, links and labels ---

export const DEFAULT_BASE = "https://w3id.org/jixiao/id/";

/** The base of the ids, from any object that has both `iri` and `id`. */
export function baseOf(thing) {
  if (thing && thing.iri && thing.id && thing.iri.endsWith(thing.id) && thing.iri !== thing.id) {
    return thing.iri.slice(0, thing.iri.length - thing.id.length);
  }
  return DEFAULT_BASE;
}

export function idOf(iri, base = DEFAULT_BASE) {
  return iri && iri.startsWith(base) ? iri.slice(base.length) : iri;
}

const PROJECT_ID = /^project\/[^/]+\/[^/]+\/[^/]+$/;

/** The page for an id: an indicator, a project, or (for an objective) its project; else null. */
export function pageFor(id) {
  if (!id) return null;
  if (id.includes("/indicator/")) return `/indicator?id=${encodeURIComponent(id)}`;
  if (PROJECT_ID.test(id)) return `/project?id=${encodeURIComponent(id)}`;
  const objective = /^(project\/[^/]+\/[^/]+\/[^/]+)\/objective\//.exec(id);
  if (objective) return `/project?id=${encodeURIComponent(objective[1])}#objectives`;
  return null;
}

export const projectURL = (id) => `/project?id=${encodeURIComponent(id)}`;
export const indicatorURL = (id) => `/indicator?id=${encodeURIComponent(id)}`;
export const searchURL = (params) => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return text ? `/?${text}` : "/";
};

export const KINDS = {
  indicator: { zh: "指标", en: "Indicator", similar: "相似指标" },
  objective: { zh: "绩效目标", en: "Objective", similar: "相似目标" },
  project: { zh: "项目", en: "Project", similar: "相似项目" },
};

export function kindBadge(kind) {
  const k = KINDS[kind] || { zh: kind };
  return html`<span class="badge ${kind}">${k.zh}</span>`;
}

/** 产出指标 › 数量指标 (either level may be missing). */
export function pathHTML(level1, level2) {
  const parts = [level1, level2].filter(Boolean);
  if (!parts.length) return "";
  return html`<span class="path">${parts.map(
    (p, i) => html`${i ? raw('<span class="sep" aria-hidden="true">›</span>') : ""}${p}`,
  )}</span>`;
}

export const TARGET_TYPES = {
  quantitative: "定量",
  qualitative: "定性",
  date: "时间",
  unparsed: "未解析",
};

/** A comparator as the API gives it (≥, ≤, none, null) as text for people. */
export function comparatorText(comparator) {
  if (!comparator || comparator === "none") return "无符号";
  return comparator;
}

/**
 * A target as people read it. Some tables were typed with LaTeX ("$\\geq 95\\%$"): those are shown
 * as ≥95%, with the text as written in the tooltip. Anything else is shown exactly as written.
 */
export function plainTarget(text) {
  if (!text || !/[$\\]/.test(text)) return text || "";
  return text
    .replace(/\\geq?(?![a-z])|\\geqslant/g, "≥")
    .replace(/\\leq?(?![a-z])|\\leqslant/g, "≤")
    .replace(/\\neq?(?![a-z])/g, "≠")
    .replace(/\\times/g, "×")
    .replace(/\\([%$&#_])/g, "$1")
    .replace(/\$/g, "")
    .replace(/([≥≤≠<>＜＞])\s+/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** The target value as HTML: plain text, and the original in a tooltip when it was cleaned. */
export function targetValue(text) {
  const plain = plainTarget(text);
  if (!text) return html`—`;
  return plain === text ? html`${text}` : html`<span title="原文：${text}">${plain}</span>`;
}

export function formatNumber(n, digits = 2) {
  if (n === null || n === undefined || n === "") return "";
  const value = Number(n);
  if (!Number.isFinite(value)) return String(n);
  return value.toLocaleString("zh-CN", { maximumFractionDigits: digits });
}

/** Amount: 7.56 万元（75,600 元）. */
export function amountHTML(wan, yuan) {
  if ((wan === null || wan === undefined) && (yuan === null || yuan === undefined)) return html`—`;
  const w = wan !== null && wan !== undefined ? wan : Number(yuan) / 10000;
  const y = yuan !== null && yuan !== undefined ? yuan : Number(wan) * 10000;
  return html`<span class="amount">${formatNumber(w, 4)} 万元</span> <small>（${formatNumber(y, 2)} 元）</small>`;
}

/** One fact of a <dl> (项目金额, 乡镇 …); nothing when the value is missing. */
export function fact(label, value) {
  if (value === null || value === undefined || value === "") return "";
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** A unit as 平罗县宝丰镇人民政府（058）. */
export function unitText(unit) {
  if (!unit) return "";
  return unit.code ? `${unit.label}（${unit.code}）` : unit.label;
}

export function sourceText(source) {
  if (!source) return "";
  const file = source.file || idOf(source.document);
  if (source.where) return `${file}（${whereText(source.where)}）`;
  return source.line ? `${file} 第 ${source.line} 行` : file;
}

/** "sheet '绩效目标' row 7" / "table 2 row 5" / "page 3 table 1 row 4" in Chinese; else as given. */
export function whereText(where) {
  let m = /^sheet '(.*)' row (\d+)$/.exec(where);
  if (m) return `工作表“${m[1]}”第 ${m[2]} 行`;
  m = /^page (\d+) table (\d+) row (\d+)$/.exec(where);
  if (m) return `第 ${m[1]} 页表格 ${m[2]} 第 ${m[3]} 行`;
  m = /^page (\d+) text line (\d+)$/.exec(where);
  if (m) return `第 ${m[1]} 页第 ${m[2]} 行文字`;
  m = /^table (\d+) row (\d+)$/.exec(where);
  if (m) return `表格 ${m[1]} 第 ${m[2]} 行`;
  return where;
}

/** Set the document title: "<what> · jixiao 绩效". */
export function setTitle(what) {
  document.title = what ? `${what} · jixiao 绩效` : "jixiao 绩效";
}

/** The `id` parameter of the page URL, or null. */
export function pageId() {
  const id = new URLSearchParams(location.search).get("id");
  return id && id.trim() ? id.trim() : null;
}

/** Similar entries (from /api/similar) as a list: name, target, township, project. */
export function similarListHTML(hits) {
  return html`<ul class="similar-list">${hits.map((hit) => {
    const page = pageFor(hit.id);
    const name = page ? html`<a href="${page}">${hit.label}</a>` : html`${hit.label}`;
    const project =
      hit.project && hit.kind !== "project"
        ? html` · <a href="${projectURL(hit.project.id)}">${hit.project.label}</a>`
        : "";
    return html`<li>
      <span class="name">${name}</span>
      <span class="target">${hit.target ? targetValue(hit.target.raw) : ""}</span>
      <span class="meta">${hit.township ? hit.township.label : ""}${hit.year ? ` · ${hit.year}` : ""}${project}
        ${hit.level1 ? html` · ${pathHTML(hit.level1, hit.level2)}` : ""}</span>
    </li>`;
  })}</ul>`;
}

/** Fill the element `#similar-list` with the entries nearest `id` in other townships. `noun` is
 *  what they are (指标, 项目), for the empty and error messages. */
export async function loadSimilar(id, limit, noun) {
  const target = document.getElementById("similar-list");
  try {
    const data = await getJSON(`/api/similar?id=${encodeURIComponent(id)}&limit=${limit}`);
    render(
      target,
      html`${warningsHTML(data.warnings)}${
        data.hits.length ? similarListHTML(data.hits) : html`<p class="hint">其他乡镇没有相似的${noun}。</p>`
      }`,
    );
  } catch (err) {
    render(target, errorHTML(err, `查找相似${noun}出错`));
  }
}

// --- posting, downloads (起草 page) ---

/** POST a JSON body and return the Response when it is ok; throws ApiError like getJSON. */
export async function postJSON(url, body, options = {}) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      ...options,
    });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError("无法连接服务器，请检查网络或服务是否已启动（network error）", 0);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** The file name a Content-Disposition header gives (filename* first), or null. */
export function filenameFrom(disposition) {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ""));
    } catch {
      /* a malformed encoding: try the plain filename */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(disposition);
  if (!plain) return null;
  return (plain[2] !== undefined ? plain[2] : plain[1]).trim() || null;
}

/** Save a Blob as a file through a temporary link (no plugin, works offline). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The drafting API's English warnings.
WARNINGS.push(
  [/^no similar project found in other townships: nothing to draft from$/, () => "其他乡镇没有相似的项目，无法起草"],
  [
    /^no amount given: total-cost targets are shown as the precedents set them$/,
    () => "没有填写预算数：总成本指标按前例的原值列出，没有换算",
  ],
);
