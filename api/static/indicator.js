// 指标 (/indicator?id=…): one indicator, its target (as written and as read), its project and
// what other townships set for the same thing.

import {
  TARGET_TYPES,
  comparatorText,
  errorHTML,
  fact,
  formatNumber,
  getJSON,
  html,
  kindBadge,
  loadingHTML,
  pageId,
  pathHTML,
  projectURL,
  raw,
  render,
  setTitle,
  loadSimilar,
  sourceText,
  targetValue,
  unitText,
} from "/static/app.js";

const page = document.getElementById("page");
const crumbs = document.getElementById("crumbs");
const SEP = raw('<span class="sep" aria-hidden="true">›</span>');

/** Medium-term value, weight, direction and explanation: shown only when the table states them. */
function extrasHTML(it) {
  const medium = it.medium_term_target;
  if (!medium && it.weight == null && !it.direction && !it.explanation) return "";
  return html`<div class="panel" id="extras">
    <h2>表中其他信息 <small>Also stated in the table</small></h2>
    <dl class="facts">
      ${medium ? fact("中期指标值", targetValue(medium.raw)) : ""}
      ${it.weight != null ? fact("权重 / 分值", formatNumber(it.weight, 4)) : ""}
      ${it.direction ? fact("指标方向", it.direction) : ""}
      ${it.explanation ? fact("指标解释", it.explanation) : ""}
    </dl>
  </div>`;
}

function targetHTML(t) {
  if (!t) return html`<div class="panel"><p class="hint">这个指标没有填写指标值。</p></div>`;
  const placeholder = t.placeholder
    ? html`<p class="notice warn">这是模板中的占位值，不是实际填写的指标值。<small>Placeholder from the template.</small></p>`
    : "";
  return html`<div class="panel" id="target">
    <h2>指标值 <small>Target</small></h2>
    <div class="target-box">
      <div class="big">${targetValue(t.raw)}</div>
      <dl class="facts">
        ${fact("类型", TARGET_TYPES[t.type] || t.type || "—")}
        ${t.type === "quantitative" || t.number !== null ? fact("计算符号", comparatorText(t.comparator)) : ""}
        ${fact("数值", t.number !== null && t.number !== undefined ? formatNumber(t.number, 6) : "")}
        ${fact("计量单位", t.unit)}
      </dl>
    </div>
    ${placeholder}
  </div>`;
}

function indicatorHTML(it) {
  const written = [it.level1_as_written, it.level2_as_written].filter(Boolean).join(" › ");
  const normal = [it.level1 && it.level1.label, it.level2 && it.level2.label].filter(Boolean).join(" › ");
  const bare = written.replace(/[（(][^）)]*[）)]/g, "").trim(); // without form notes such as （必填）
  return html`
    <p class="card-top">${pathHTML(it.level1 && it.level1.label, it.level2 && it.level2.label)}
      ${bare && bare !== normal ? html`<small>（原表：${written}）</small>` : ""}</p>
    <h1 class="page-title">${kindBadge("indicator")}${it.label}</h1>
    ${targetHTML(it.target)}
    ${extrasHTML(it)}
    <div class="panel">
      <h2>所属项目 <small>Project</small></h2>
      <dl class="facts">
        ${fact("项目", html`<a href="${projectURL(it.project.id)}">${it.project.label}</a>`)}
        ${fact("乡镇", unitText(it.township))}
        ${it.unit && (!it.township || it.unit.iri !== it.township.iri) ? fact("预算单位", unitText(it.unit)) : ""}
        ${fact("年度", it.year ? `${it.year} 年` : "")}
        ${fact("来源", sourceText(it.source))}
      </dl>
      ${it.source_text ? html`<h3 style="margin-top:0.9rem">原文 <small>Source text</small></h3><pre class="source">${it.source_text.trim()}</pre>` : ""}
    </div>

    <section id="similar">
      <h2>其他乡镇的相似指标 <small>Similar indicators in other townships</small></h2>
      <div id="similar-list">${loadingHTML("正在查找其他乡镇的相似指标…")}</div>
    </section>

    <p class="hint"><span title="${it.iri}">IRI：<code>${it.id}</code></span></p>`;
}

async function start() {
  const id = pageId();
  if (!id) {
    render(page, errorHTML({ message: "地址中缺少指标编号（?id=…）。请从搜索结果或项目页进入。" }, "没有指定指标"));
    return;
  }
  try {
    const it = await getJSON(`/api/indicators/${id.split("/").map(encodeURIComponent).join("/")}`);
    setTitle(`${it.label} - 指标`);
    render(
      crumbs,
      html`<a href="/">搜索</a>${SEP}<a href="${projectURL(it.project.id)}">${it.project.label}</a>${SEP}指标`,
    );
    render(page, indicatorHTML(it));
    loadSimilar(it.id, 10, "指标");
  } catch (err) {
    setTitle("指标");
    render(page, errorHTML(err, err.status === 404 ? "没有找到这个指标" : "指标加载失败"));
  }
}

start();
