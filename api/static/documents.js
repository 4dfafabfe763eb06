// 文件 (/documents): upload tables (files, a folder, .zip), the per-file report, the stored documents.
//
// Uploads go to POST /api/documents (multipart `files`) by XMLHttpRequest, for its upload progress.
// A file whose name is already stored comes back `exists`; the page asks before sending it again
// with replace=true. A server off loopback asks for its write token (401/403): it is kept in
// sessionStorage for this tab only.

import { ApiError, errorFrom, errorHTML, getJSON, html, localTime, projectURL, render } from "/static/app.js";

const drop = document.getElementById("drop");
const pickFiles = document.getElementById("pick-files");
const pickFolder = document.getElementById("pick-folder");
const progressBox = document.getElementById("progress");
const progressText = progressBox.querySelector(".progress-text");
const progressBar = progressBox.querySelector("progress");
const tokenBox = document.getElementById("token-box");
const tokenInput = document.getElementById("token");
const confirmBox = document.getElementById("confirm");
const reportBox = document.getElementById("report");
const listBox = document.getElementById("list");

const TOKEN_KEY = "jixiao-write-token";
const SUFFIXES = [".txt", ".csv", ".tsv", ".xlsx", ".docx", ".pdf", ".html", ".htm", ".mhtml", ".mht", ".xls", ".doc", ".zip"];
const LAYOUTS = {
  "paragraph-table": "段落表",
  "form-lines": "表单（逐行）",
  "form-table": "表单（表格）",
  "flat-table": "系统导出表",
};
const FORMATS = { xlsx: "Excel", docx: "Word", pdf: "PDF", html: "网页" };
const SKIPPED = { "not a table": "不是表格文件", hidden: "隐藏文件", "an Office lock file": "Office 临时锁文件" };

let retry = null; // the upload to send again once a token is given

function formatText(format) {
  if (!format) return "—";
  return FORMATS[format] || `文本 ${format.toUpperCase()}`;
}

function sizeText(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

// --- choosing files ---------------------------------------------------------------------------

function wanted(name) {
  const base = name.split("/").pop();
  if (base.startsWith(".") || base.startsWith("~$")) return false;
  const lower = base.toLowerCase();
  return SUFFIXES.some((s) => lower.endsWith(s));
}

function readAll(reader) {
  return new Promise((resolve, reject) => {
    const found = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) resolve(found);
        else {
          found.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function entryFiles(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    out.push({ file, path: prefix + file.name });
  } else if (entry.isDirectory && !entry.name.startsWith(".")) {
    for (const child of await readAll(entry.createReader())) {
      await entryFiles(child, `${prefix}${entry.name}/`, out);
    }
  }
}

async function droppedFiles(transfer) {
  const out = [];
  const entries = [...transfer.items].map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  if (entries.some((e) => e)) {
    for (const entry of entries) if (entry) await entryFiles(entry, "", out);
  } else {
    for (const file of transfer.files) out.push({ file, path: file.name });
  }
  return out;
}

function chosen(files) {
  return [...files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

// --- sending ----------------------------------------------------------------------------------

function showProgress(text, percent) {
  progressBox.hidden = false;
  progressText.textContent = text;
  if (percent === null) progressBar.removeAttribute("value");
  else progressBar.value = percent;
}

function send(items, replace) {
  const form = new FormData();
  for (const { file, path } of items) form.append("files", file, path);
  form.append("replace", replace ? "true" : "false");
  const total = items.reduce((n, { file }) => n + file.size, 0);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.setRequestHeader("Accept", "application/json");
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      const size = event.lengthComputable ? event.total : total;
      const percent = size ? Math.round((100 * event.loaded) / size) : 0;
      showProgress(`正在上传 ${items.length} 个文件：${percent}%（${sizeText(event.loaded)} / ${sizeText(size)}）`, percent);
    };
    let polling = null;
    xhr.upload.onload = () => {
      showProgress(`已上传，服务器正在读取 ${items.length} 个文件…`, null);
      polling = setInterval(() => pollProgress(), 700);
    };
    xhr.onloadend = () => clearInterval(polling);
    xhr.onerror = () => reject(new ApiError("无法连接服务器，请检查网络或服务是否已启动（network error）", 0));
    xhr.onload = async () => {
      const response = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
      else reject(await errorFrom(response));
    };
    showProgress(`正在上传 ${items.length} 个文件…`, 0);
    xhr.send(form);
  });
}

// While the server reads: how far it is (GET /api/documents/progress).
async function pollProgress() {
  let state;
  try {
    state = await getJSON("/api/documents/progress");
  } catch {
    return; // the report will say what happened
  }
  if (!state.active) return;
  if (state.stage === "indexing") {
    showProgress(`已读取 ${state.read}/${state.files} 个文件（导入 ${state.stored}，未导入 ${state.failed}），正在更新检索索引…`, null);
    return;
  }
  const percent = state.files ? Math.round((100 * Math.max(0, state.read - 1)) / state.files) : 0;
  showProgress(
    `服务器正在读取第 ${state.read}/${state.files} 个文件：${state.current || ""}（已导入 ${state.stored}，未导入 ${state.failed}）`,
    percent,
  );
}

async function upload(items, replace = false) {
  items = items.filter(({ path }) => wanted(path));
  if (!items.length) {
    render(reportBox, html`<div class="notice warn" role="alert"><p>没有可导入的文件（支持 .txt .csv .xlsx .docx .pdf .html .zip）。</p></div>`);
    return;
  }
  confirmBox.hidden = true;
  let answer;
  try {
    answer = await send(items, replace);
  } catch (err) {
    progressBox.hidden = true;
    if (err.status === 401 || (err.status === 403 && /令牌|token/i.test(err.message))) {
      retry = () => upload(items, replace);
      askToken(err);
      return;
    }
    render(reportBox, errorHTML(err, "上传失败"));
    return;
  }
  progressBox.hidden = true;
  showReport(answer, items, replace);
  await loadList();
}

function askToken(err) {
  tokenBox.hidden = false;
  render(reportBox, errorHTML(err, "需要写入令牌"));
  tokenInput.focus();
}

document.getElementById("token-save").addEventListener("click", () => {
  const token = tokenInput.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  tokenBox.hidden = true;
  if (retry) {
    const again = retry;
    retry = null;
    again();
  }
});

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// --- the report -------------------------------------------------------------------------------

function projectsHTML(links) {
  if (!links || !links.length) return "";
  const shown = links.slice(0, 8);
  return html`<ul class="projects">${shown.map(
    (p) => html`<li><a href="${projectURL(p.id)}">${p.label}</a>${p.unit ? html` <small>${p.unit}</small>` : ""}</li>`,
  )}${links.length > shown.length ? html`<li>等共 ${links.length} 个项目</li>` : ""}</ul>`;
}

function fileHTML(r) {
  if (r.skipped) {
    return html`<li class="skipped"><span class="name">${r.file}</span><span class="status badge">跳过</span>
      <p class="why">${SKIPPED[r.skipped] || r.skipped} <small>${r.skipped}</small></p></li>`;
  }
  if (r.exists) {
    return html`<li class="exists"><span class="name">${r.file}</span><span class="status badge">已存在</span>
      <p class="why">同名文件已经导入，未替换。<small>${r.error}</small></p></li>`;
  }
  if (r.error) {
    return html`<li class="error"><span class="name">${r.file}</span><span class="status badge">未导入</span>
      <p class="why"><strong>${r.error_zh || "无法导入"}</strong>：<small>${r.error}</small></p></li>`;
  }
  const warnings = r.warnings || [];
  return html`<li class="ok"><span class="name">${r.file}</span><span class="status badge">${r.replaced ? "已替换" : "已导入"}</span>
    <p class="counts">${LAYOUTS[r.layout] || r.layout} · ${formatText(r.format)} · 单位 ${r.units} · 项目 ${r.projects} · 指标 ${r.indicators}</p>
    ${projectsHTML(r.project_links)}
    ${warnings.length ? html`<ul class="warn-list">${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : ""}</li>`;
}

function showReport(answer, items, replace) {
  const files = answer.files;
  const ok = files.filter((r) => r.stored).length;
  const failed = files.filter((r) => r.error && !r.exists).length;
  const exists = files.filter((r) => r.exists);
  render(
    reportBox,
    html`<div class="panel"><h2>上传结果 <small>Report</small></h2>
      <p class="report-summary"><strong>${ok}</strong> 个文件已${replace ? "替换" : "导入"}${failed ? html`，<strong>${failed}</strong> 个未导入` : ""}${exists.length ? html`，<strong>${exists.length}</strong> 个同名文件待确认` : ""}。</p>
      ${(answer.warnings || []).map((w) => html`<div class="notice warn"><p>${w}</p></div>`)}
      <ul class="file-report">${files.map(fileHTML)}</ul></div>`,
  );
  if (exists.length) askReplace(exists, items);
}

function askReplace(exists, items) {
  // The upload's own files again: a .zip goes whole (its stored members are replaced with it).
  const again = items.filter(({ path }) => exists.some((r) => r.file === path || r.file.startsWith(`${path}/`)));
  render(
    confirmBox,
    html`<h2>替换同名文件？</h2><p>以下文件已经导入过。替换后，原来的内容会被新文件取代：</p>
      <ul>${exists.map((r) => html`<li>${r.name}</li>`)}</ul>
      <div class="actions"><button type="button" class="primary" id="replace-yes">替换 ${exists.length} 个文件</button>
      <button type="button" id="replace-no">保留原文件</button></div>`,
  );
  confirmBox.hidden = false;
  confirmBox.querySelector("#replace-yes").addEventListener("click", () => upload(again, true));
  confirmBox.querySelector("#replace-no").addEventListener("click", () => {
    confirmBox.hidden = true;
  });
}

// --- the stored documents -----------------------------------------------------------------------

function rowHTML(d) {
  return html`<tr data-id="${d.id}">
    <td class="file"><a href="/?q=${encodeURIComponent(d.file.replace(/\.[^.]+$/, ""))}">${d.file}</a></td>
    <td class="wide">${LAYOUTS[d.layout] || d.layout}</td>
    <td class="wide">${formatText(d.format)}</td>
    <td class="num">${d.projects}</td>
    <td class="num">${d.indicators}</td>
    <td class="wide"><time datetime="${d.ingested_at || ""}">${localTime(d.ingested_at)}</time></td>
    <td class="actions"><button type="button" class="small danger remove">删除</button></td>
  </tr>`;
}

async function loadList() {
  let data;
  try {
    data = await getJSON("/api/documents");
  } catch (err) {
    render(listBox, errorHTML(err, "无法读取文件列表"));
    return;
  }
  if (!data.documents.length) {
    render(listBox, html`<p class="empty"><strong>还没有导入任何文件。</strong></p>`);
    return;
  }
  render(
    listBox,
    html`<div class="table-wrap"><table class="documents-table">
      <thead><tr><th scope="col">文件</th><th scope="col" class="wide">版式</th><th scope="col" class="wide">格式</th>
      <th scope="col" class="num">项目</th><th scope="col" class="num">指标</th><th scope="col" class="wide">导入时间</th>
      <th scope="col"><span class="visually-hidden">操作</span></th></tr></thead>
      <tbody>${data.documents.map(rowHTML)}</tbody></table></div>
      <p class="hint">共 ${data.documents.length} 个文件。时间为本机时间。</p>`,
  );
}

listBox.addEventListener("click", async (event) => {
  const button = event.target.closest("button.remove");
  if (!button) return;
  const row = button.closest("tr");
  if (!button.classList.contains("armed")) {
    button.classList.add("armed");
    button.textContent = "确认删除？";
    setTimeout(() => {
      if (button.isConnected && button.classList.contains("armed")) {
        button.classList.remove("armed");
        button.textContent = "删除";
      }
    }, 5000);
    return;
  }
  button.disabled = true;
  const name = row.querySelector("td.file").textContent;
  try {
    const response = await fetch(`/api/documents/${encodeURIComponent(row.dataset.id)}`, {
      method: "DELETE",
      headers: { Accept: "application/json", ...authHeaders() },
    });
    if (!response.ok) throw await errorFrom(response);
    render(reportBox, html`<div class="notice" role="status"><p>已删除 ${name}。</p></div>`);
  } catch (err) {
    if (err.status === 401 || (err.status === 403 && /令牌|token/i.test(err.message))) {
      retry = null;
      askToken(err);
    } else {
      render(reportBox, errorHTML(err, "删除失败"));
    }
  }
  await loadList();
});

// --- wiring -----------------------------------------------------------------------------------

for (const type of ["dragenter", "dragover"]) {
  drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
}
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  upload(await droppedFiles(event.dataTransfer));
});
pickFiles.addEventListener("change", () => {
  upload(chosen(pickFiles.files));
  pickFiles.value = "";
});
pickFolder.addEventListener("change", () => {
  upload(chosen(pickFolder.files));
  pickFolder.value = "";
});

loadList();
