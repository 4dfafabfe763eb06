// 项目 (/project?id=…): the project's facts, its objectives, its indicator tree and similar projects.

import {
  TARGET_TYPES,
  amountHTML,
  errorHTML,
  fact,
  getJSON,
  html,
  indicatorURL,
  kindBadge,
  loadingHTML,
  pageId,
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

function targetCell(target) {
  if (!target) return html`<span class="hint">—</span>`;
  const marks = [];
  if (target.placeholder) marks.push(html` <span class="badge placeholder" title="模板中的占位值">模板占位</span>`);
  else if (target.type === "unparsed") marks.push(html` <span class="badge unparsed">${TARGET_TYPES.unparsed}</span>`);
  return html`${targetValue(target.raw)}${marks}`;
}

// The label as the table wrote it, when it says more than the standard label and a form note
// such as （必填） or （必填硬性指标）.
function asWritten(label, written) {
  if (!written || written === label) return "";
  const bare = written.replace(/[（(][^）)]*[）)]/g, "").trim();
  return bare === label ? "" : html`<span class="as-written">原表：${written}</span>`;
}

function treeHTML(tree) {
  const rows = [];
  for (const top of tree) {
    const topSize = top.groups.reduce((n, g) => n + g.indicators.length, 0);
    top.groups.forEach((group, g) => {
      group.indicators.forEach((item, i) => {
        const cells = [];
        if (g === 0 && i === 0) {
          cells.push(html`<td class="l1" rowspan="${topSize}" title="${item.level1_as_written ? `原表：${item.level1_as_written}` : ""}">${top.level1.label}
            ${asWritten(top.level1.label, item.level1_as_written)}</td>`);
        }
        if (i === 0) {
          cells.push(html`<td class="l2" rowspan="${group.indicators.length}" title="${item.level2_as_written ? `原表：${item.level2_as_written}` : ""}">${group.level2.label}
            ${asWritten(group.level2.label, item.level2_as_written)}</td>`);
        }
        cells.push(html`<td class="name"><a href="${indicatorURL(item.id)}">${item.label}</a></td>`);
        cells.push(html`<td class="value">${targetCell(item.target)}</td>`);
        rows.push(html`<tr>${cells}</tr>`);
      });
    });
  }
  return html`<div class="table-wrap tree-wrap"><table class="tree">
    <caption class="visually-hidden">绩效指标：一级指标、二级指标、三级指标和指标值</caption>
    <thead><tr><th scope="col">一级指标</th><th scope="col">二级指标</th><th scope="col">三级指标</th><th scope="col">指标值</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

function objectivesHTML(objectives) {
  if (!objectives.length) return html`<p class="hint">这个项目没有填写绩效目标。</p>`;
  let n = 0;
  return html`<ol class="objectives">${objectives.map((o) => {
    const which = o.overall ? "年度总体目标" : `目标 ${++n}`;
    return html`<li class="${o.overall ? "overall" : ""}"><span class="which">${which}</span>${o.text}</li>`;
  })}</ol>`;
}

function sparqlLink(iri) {
  const query = `SELECT ?property ?value WHERE {\n  <${iri}> ?property ?value\n}\nORDER BY ?property`;
  return `/query?query=${encodeURIComponent(query)}`;
}

function projectHTML(p) {
  const unitDiffers = p.unit && (!p.township || p.unit.iri !== p.township.iri);
  return html`
    <h1 class="page-title">${kindBadge("project")}${p.label}</h1>
    <div class="panel">
      <dl class="facts">
        ${fact("乡镇", unitText(p.township))}
        ${unitDiffers ? fact("预算单位", unitText(p.unit)) : ""}
        ${fact("年度", p.year ? `${p.year} 年` : "")}
        ${fact("项目金额", p.amount_wan_yuan !== null || p.amount_yuan !== null ? amountHTML(p.amount_wan_yuan, p.amount_yuan) : "")}
        ${fact("项目属性", p.attribute)}
        ${fact("实施期限", p.period)}
        ${fact("实施单位", p.implementing_unit)}
        ${fact("来源", sourceText(p.source))}
        ${fact("三级指标", `${p.indicator_count} 个`)}
      </dl>
    </div>

    <section id="objectives">
      <h2>绩效目标 <small>Objectives</small></h2>
      ${objectivesHTML(p.objectives)}
    </section>

    <section id="indicators">
      <h2>绩效指标 <small>Indicators · 共 ${p.indicator_count} 个三级指标</small></h2>
      ${p.tree.length ? treeHTML(p.tree) : html`<p class="hint">这个项目没有填写绩效指标。</p>`}
    </section>

    <section id="similar">
      <h2>相似项目 <small>Similar projects in other townships</small></h2>
      <div id="similar-list">${loadingHTML("正在查找其他乡镇的相似项目…")}</div>
    </section>

    <p class="hint">分析人员：<a href="${sparqlLink(p.iri)}">在 SPARQL 中查看这个项目的全部属性</a>
      · <span title="${p.iri}">IRI：<code>${p.id}</code></span></p>`;
}

async function start() {
  const id = pageId();
  if (!id) {
    render(page, errorHTML({ message: "地址中缺少项目编号（?id=…）。请从搜索结果进入项目页。" }, "没有指定项目"));
    return;
  }
  try {
    const p = await getJSON(`/api/projects/${id.split("/").map(encodeURIComponent).join("/")}`);
    setTitle(`${p.label} - 项目`);
    render(crumbs, html`<a href="/">搜索</a>${SEP}${p.township ? html`${p.township.label}${SEP}` : ""}项目`);
    render(page, projectHTML(p));
    if (location.hash) {
      const anchor = document.getElementById(location.hash.slice(1));
      if (anchor) anchor.scrollIntoView();
    }
    loadSimilar(p.id, 6, "项目");
  } catch (err) {
    setTitle("项目");
    render(page, errorHTML(err, err.status === 404 ? "没有找到这个项目" : "项目加载失败"));
  }
}

start();
