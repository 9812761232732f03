// The review screen: page viewer (image, word boxes, focused-field box, zoom and pan),
// fill-by-click/drag, live checks, line-item table editing and keyboard shortcuts.
// One hand-written module, no build step. Timings of focus and fill handlers are kept in
// window.__reviewPerf for the browser benchmark (benchmarks/review_ui.py).

const data = JSON.parse(document.getElementById("review-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const stage = $("#stage");
const canvas = $("#canvas");
const img = $("#page-img");
const wordsLayer = $("#words");
const fieldbox = $("#fieldbox");
const dragbox = $("#dragbox");
const form = $("#review-form");
const tbody = $("#items tbody");
const columns = $("#items").dataset.columns.split(",").filter(Boolean);
const approveBtn = $("#approve");
const statusEl = $("#status");

const perf = (window.__reviewPerf = { focus: [], fill: [] });
const view = { page: 0, scale: 1, x: 0, y: 0 };
const wordIndex = new Map(); // id -> {page, text, box: [x0, y0, x1, y1] normalised}
const wordEls = new Map(); // id -> element on the current page
const picked = new Map(); // field key -> word ids (as read or as clicked)
const dirtyWords = new Set(); // fields whose words a person picked
let focused = null; // the input being filled
let lit = []; // highlighted word elements
let blocking = 0;
let checkTimer = 0;
let checkSeq = 0;
let busy = false;

for (const page of data.pages) {
  for (const [id, text, x0, y0, x1, y1] of page.words) {
    wordIndex.set(id, { page: page.index, text, box: [x0, y0, x1, y1] });
  }
}
for (const [name, ids] of Object.entries(data.fields)) picked.set(name, ids);
for (const input of $$("input[data-field^='line_items.']")) {
  picked.set(input.dataset.field, (input.dataset.words || "").split(" ").filter(Boolean));
}

// ---------- viewer ----------

function showPage(index) {
  const page = data.pages[index];
  if (!page) return;
  view.page = index;
  img.src = page.src;
  canvas.style.width = `${page.width}px`;
  canvas.style.height = `${page.height}px`;
  const frag = document.createDocumentFragment();
  wordEls.clear();
  for (const [id, text, x0, y0, x1, y1] of page.words) {
    const el = document.createElement("div");
    el.className = "w";
    el.dataset.id = id;
    el.title = text;
    el.style.left = `${x0 * 100}%`;
    el.style.top = `${y0 * 100}%`;
    el.style.width = `${(x1 - x0) * 100}%`;
    el.style.height = `${(y1 - y0) * 100}%`;
    frag.appendChild(el);
    wordEls.set(id, el);
  }
  wordsLayer.replaceChildren(frag);
  lit = [];
  $("#page-label").textContent = `Page ${index + 1} / ${data.pages.length}`;
  if (focused) highlight(focused, false);
}

function apply() {
  canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  $("#zoom-label").textContent = `${Math.round(view.scale * 100)}%`;
}

function fit() {
  const page = data.pages[view.page];
  if (!page) return;
  const w = stage.clientWidth - 24;
  view.scale = Math.min(w / page.width, 2);
  view.x = 12;
  view.y = 12;
  apply();
}

function zoom(factor, cx = stage.clientWidth / 2, cy = stage.clientHeight / 2) {
  const next = Math.min(8, Math.max(0.1, view.scale * factor));
  view.x = cx - ((cx - view.x) * next) / view.scale;
  view.y = cy - ((cy - view.y) * next) / view.scale;
  view.scale = next;
  apply();
}

function unionBox(ids) {
  let box = null;
  let page = null;
  for (const id of ids) {
    const w = wordIndex.get(id);
    if (!w) continue;
    if (page === null) page = w.page;
    if (w.page !== page) continue;
    const [x0, y0, x1, y1] = w.box;
    box = box ? [Math.min(box[0], x0), Math.min(box[1], y0), Math.max(box[2], x1), Math.max(box[3], y1)] : [x0, y0, x1, y1];
  }
  return box ? { page, box } : null;
}

function keepInView(box) {
  const page = data.pages[view.page];
  const s = view.scale;
  const left = view.x + box[0] * page.width * s;
  const top = view.y + box[1] * page.height * s;
  const right = view.x + box[2] * page.width * s;
  const bottom = view.y + box[3] * page.height * s;
  const pad = 40;
  if (left < pad) view.x += pad - left;
  else if (right > stage.clientWidth - pad) view.x -= Math.min(right - (stage.clientWidth - pad), left - pad);
  if (top < pad) view.y += pad - top;
  else if (bottom > stage.clientHeight - pad) view.y -= Math.min(bottom - (stage.clientHeight - pad), top - pad);
  apply();
}

function highlight(input, follow = true) {
  for (const el of lit) el.classList.remove("hl");
  lit = [];
  const ids = picked.get(input.dataset.field) || [];
  const found = unionBox(ids);
  if (!found || (!follow && found.page !== view.page)) {
    fieldbox.hidden = true;
    return;
  }
  if (found.page !== view.page) showPage(found.page);
  for (const id of ids) {
    const el = wordEls.get(id);
    if (el) {
      el.classList.add("hl");
      lit.push(el);
    }
  }
  const [x0, y0, x1, y1] = found.box;
  fieldbox.style.left = `${x0 * 100}%`;
  fieldbox.style.top = `${y0 * 100}%`;
  fieldbox.style.width = `${(x1 - x0) * 100}%`;
  fieldbox.style.height = `${(y1 - y0) * 100}%`;
  fieldbox.hidden = false;
  if (follow) keepInView(found.box);
}

function focusField(input) {
  const t0 = performance.now();
  if (focused && focused !== input) focused.closest(".field, tr")?.classList.remove("active");
  focused = input;
  input.closest(".field, tr")?.classList.add("active");
  highlight(input);
  perf.focus.push(performance.now() - t0);
}

form.addEventListener("focusin", (e) => {
  const input = e.target.closest("input[data-field]");
  if (input) focusField(input);
});

// ---------- fill by click / drag ----------

function fill(ids, append) {
  if (!focused) {
    say("Focus a field first (click it or press Tab), then click a word.");
    return;
  }
  const t0 = performance.now();
  const key = focused.dataset.field;
  const before = append ? picked.get(key) || [] : [];
  const all = [...before, ...ids.filter((id) => !before.includes(id))];
  focused.value = all.map((id) => wordIndex.get(id)?.text ?? "").join(" ").trim();
  picked.set(key, all);
  dirtyWords.add(key);
  highlight(focused);
  scheduleCheck();
  perf.fill.push(performance.now() - t0);
}

function wordsIn(rect) {
  const page = data.pages[view.page];
  const out = [];
  for (const [id, , x0, y0, x1, y1] of page.words) {
    if (x1 >= rect[0] && x0 <= rect[2] && y1 >= rect[1] && y0 <= rect[3]) out.push([id, y0, x0, y1]);
  }
  // reading order: by line (vertical overlap), then left to right
  out.sort((a, b) => (Math.abs(a[1] - b[1]) < (a[3] - a[1]) / 2 ? a[2] - b[2] : a[1] - b[1]));
  return out.map((w) => w[0]);
}

function toPage(ev) {
  const r = canvas.getBoundingClientRect();
  return [(ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height];
}

let drag = null;
let pan = null;
stage.addEventListener("mousedown", (e) => e.preventDefault()); // keep the field focused
stage.addEventListener("pointerdown", (e) => {
  if (e.button === 1 || (e.button === 0 && e.altKey)) {
    pan = { x: e.clientX - view.x, y: e.clientY - view.y };
    stage.setPointerCapture(e.pointerId);
    return;
  }
  if (e.button !== 0) return;
  drag = { start: toPage(e), cx: e.clientX, cy: e.clientY, moved: false, shift: e.shiftKey, word: e.target.closest(".w") };
  stage.setPointerCapture(e.pointerId);
});
stage.addEventListener("pointermove", (e) => {
  if (pan) {
    view.x = e.clientX - pan.x;
    view.y = e.clientY - pan.y;
    apply();
    return;
  }
  if (!drag) return;
  if (!drag.moved && Math.hypot(e.clientX - drag.cx, e.clientY - drag.cy) < 4) return;
  drag.moved = true;
  const [x, y] = toPage(e);
  const [sx, sy] = drag.start;
  drag.rect = [Math.min(x, sx), Math.min(y, sy), Math.max(x, sx), Math.max(y, sy)];
  dragbox.style.left = `${drag.rect[0] * 100}%`;
  dragbox.style.top = `${drag.rect[1] * 100}%`;
  dragbox.style.width = `${(drag.rect[2] - drag.rect[0]) * 100}%`;
  dragbox.style.height = `${(drag.rect[3] - drag.rect[1]) * 100}%`;
  dragbox.hidden = false;
});
stage.addEventListener("pointerup", () => {
  if (pan) {
    pan = null;
    return;
  }
  if (!drag) return;
  const d = drag;
  drag = null;
  dragbox.hidden = true;
  if (d.moved && d.rect) {
    const ids = wordsIn(d.rect);
    if (ids.length) fill(ids, d.shift);
  } else if (d.word) {
    fill([d.word.dataset.id], d.shift);
  }
});
stage.addEventListener(
  "wheel",
  (e) => {
    e.preventDefault();
    if (e.ctrlKey) {
      const r = stage.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
    } else {
      view.x -= e.deltaX;
      view.y -= e.deltaY;
      apply();
    }
  },
  { passive: false },
);

// ---------- suggestions ----------

function accept(name, index) {
  const s = (data.suggestions[name] || [])[index];
  const input = form.querySelector(`input[data-field="${CSS.escape(name)}"]`);
  if (!s || !input) return;
  input.value = s.value;
  picked.set(name, s.words || []);
  dirtyWords.add(name);
  input.focus();
  highlight(input);
  scheduleCheck();
}

form.addEventListener("click", (e) => {
  const b = e.target.closest(".sugg-btn");
  if (b) accept(b.dataset.field, Number(b.dataset.index));
});

// ---------- line items ----------

function renumber() {
  $$("tr", tbody).forEach((tr, i) => {
    tr.querySelector(".idx").textContent = String(i + 1);
    for (const input of $$("input", tr)) {
      const old = input.dataset.field;
      const key = `line_items.${i}.${input.dataset.col}`;
      if (old !== key) {
        const ids = picked.get(old);
        picked.delete(old);
        if (ids) picked.set(key, ids);
        if (dirtyWords.delete(old)) dirtyWords.add(key);
      }
      input.dataset.field = key;
      input.setAttribute("aria-label", `Row ${i + 1} ${input.dataset.col.replace(/_/g, " ")}`);
    }
  });
}

function newRow(values = {}) {
  const tr = document.createElement("tr");
  const idx = document.createElement("td");
  idx.className = "idx";
  tr.appendChild(idx);
  for (const col of columns) {
    const td = document.createElement("td");
    const input = document.createElement("input");
    const kind = $(`#items thead th:nth-child(${columns.indexOf(col) + 2})`).classList.contains("num");
    input.className = kind ? "cell num" : "cell";
    input.dataset.col = col;
    input.spellcheck = false;
    input.value = values[col] || "";
    td.appendChild(input);
    tr.appendChild(td);
  }
  return tr;
}

function currentRow() {
  return focused && focused.closest("#items tbody tr");
}

function addRow() {
  const row = currentRow();
  const tr = newRow();
  if (row) row.after(tr);
  else tbody.appendChild(tr);
  renumber();
  const col = focused && focused.dataset.col ? focused.dataset.col : columns[0];
  tr.querySelector(`input[data-col="${col}"]`).focus();
  scheduleCheck();
}

function deleteRow() {
  const row = currentRow();
  if (!row) return say("Focus a cell of the row to delete.");
  const target = row.nextElementSibling || row.previousElementSibling;
  const col = focused.dataset.col;
  row.remove();
  renumber();
  if (target) target.querySelector(`input[data-col="${col}"]`).focus();
  else $("#add-row").focus();
  scheduleCheck();
}

function splitRow() {
  const row = currentRow();
  if (!row) return say("Focus a cell, put the cursor where the row should split, then split.");
  const input = focused;
  const at = input.selectionStart ?? input.value.length;
  const rest = input.value.slice(at).trim();
  input.value = input.value.slice(0, at).trim();
  const tr = newRow({ [input.dataset.col]: rest });
  row.after(tr);
  renumber();
  tr.querySelector(`input[data-col="${input.dataset.col}"]`).focus();
  scheduleCheck();
}

$("#add-row").addEventListener("click", addRow);
$("#delete-row").addEventListener("mousedown", (e) => e.preventDefault());
$("#delete-row").addEventListener("click", deleteRow);
$("#split-row").addEventListener("mousedown", (e) => e.preventDefault());
$("#split-row").addEventListener("click", splitRow);

// ---------- checks ----------

function collect() {
  const fields = {};
  const fieldWords = {};
  for (const input of $$(".fields input[data-field]", form)) {
    fields[input.dataset.field] = input.value;
    if (dirtyWords.has(input.dataset.field)) fieldWords[input.dataset.field] = picked.get(input.dataset.field) || [];
  }
  const lineItems = $$("tr", tbody).map((tr) => {
    const row = {};
    for (const input of $$("input", tr)) row[input.dataset.col] = input.value;
    return row;
  });
  return { fields, field_words: fieldWords, line_items: lineItems };
}

function paint(problems) {
  for (const el of $$("[data-msg-for]")) {
    el.textContent = "";
    el.title = "";
    el.classList.remove("bad", "warn");
  }
  for (const el of $$("input[aria-invalid]")) el.removeAttribute("aria-invalid");
  blocking = 0;
  for (const p of problems) {
    if (p.blocking) blocking += 1;
    let slot = $(`[data-msg-for="${CSS.escape(p.field)}"]`);
    const input = form.querySelector(`input[data-field="${CSS.escape(p.field)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
    if (!slot && p.field.startsWith("line_items.")) slot = $('[data-msg-for="line_items"]');
    if (!slot) slot = $('[data-msg-for="document"]');
    const prefix = p.field.startsWith("line_items.") ? `Row ${Number(p.field.split(".")[1]) + 1}: ` : "";
    slot.textContent = slot.textContent ? `${slot.textContent} · ${prefix}${p.message}` : prefix + p.message;
    slot.classList.add(p.blocking ? "bad" : "warn");
    slot.title = slot.textContent;
  }
  if (!approveBtn.dataset.locked) approveBtn.disabled = blocking > 0;
  statusEl.textContent = blocking ? `${blocking} problem${blocking > 1 ? "s" : ""} to fix before approving` : "Ready to approve";
  statusEl.classList.toggle("bad", blocking > 0);
}

async function post(path, body) {
  const r = await fetch(`/review/${data.id}/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? "{}" : JSON.stringify(body),
  });
  let json = {};
  try {
    json = await r.json();
  } catch {
    json = {};
  }
  return { ok: r.ok, status: r.status, json };
}

async function runCheck() {
  const seq = ++checkSeq;
  const r = await post("check", collect());
  if (seq !== checkSeq) return; // a newer check is on its way
  if (r.ok) paint(r.json.problems);
  else say(r.json.error?.message || "Could not check the values.");
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  approveBtn.dataset.pending = "1";
  checkTimer = setTimeout(async () => {
    await runCheck();
    delete approveBtn.dataset.pending;
  }, 120);
}

form.addEventListener("input", scheduleCheck);

// ---------- decisions ----------

function say(text) {
  statusEl.textContent = text;
}

function go(next) {
  window.location.assign(next || "/review");
}

async function approveNow() {
  if (busy || approveBtn.dataset.locked) return;
  clearTimeout(checkTimer);
  await runCheck();
  delete approveBtn.dataset.pending;
  if (blocking) {
    const first = form.querySelector("input[aria-invalid]");
    if (first) first.focus();
    return;
  }
  busy = true;
  say("Approving…");
  const r = await post("approve", collect());
  busy = false;
  if (r.ok) return go(r.json.next);
  if (r.json.problems) paint(r.json.problems);
  say(r.json.error?.message || "Could not approve.");
}

const rejectDialog = $("#reject-dialog");
function openReject() {
  if (busy || approveBtn.dataset.locked) return;
  rejectDialog.showModal();
  $("#reject-reason").focus();
}
$("#reject-cancel").addEventListener("click", () => rejectDialog.close());
$("#reject-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const reason = $("#reject-reason").value.trim();
  if (!reason) {
    $("#reject-reason").setAttribute("aria-invalid", "true");
    return;
  }
  busy = true;
  const r = await post("reject", { reason });
  busy = false;
  if (r.ok) return go(r.json.next);
  rejectDialog.close();
  say(r.json.error?.message || "Could not reject.");
});

async function skipNow() {
  if (busy || approveBtn.dataset.locked) return;
  busy = true;
  const r = await post("skip");
  busy = false;
  if (r.ok) go(r.json.next);
  else say(r.json.error?.message || "Could not skip.");
}

approveBtn.addEventListener("click", approveNow);
$("#reject").addEventListener("click", openReject);
$("#skip").addEventListener("click", skipNow);
$("#help").addEventListener("click", () => $("#help-dialog").showModal());
$("#zoom-in").addEventListener("click", () => zoom(1.25));
$("#zoom-out").addEventListener("click", () => zoom(0.8));
$("#zoom-fit").addEventListener("click", fit);
$("#prev-page").addEventListener("click", () => (showPage(Math.max(0, view.page - 1)), fit()));
$("#next-page").addEventListener("click", () => (showPage(Math.min(data.pages.length - 1, view.page + 1)), fit()));

// ---------- keyboard ----------

function moveField(step) {
  const inputs = $$("input[data-field]", form);
  const i = inputs.indexOf(document.activeElement);
  const next = inputs[Math.min(inputs.length - 1, Math.max(0, i + step))];
  if (next) {
    next.focus();
    next.select();
  }
}

document.addEventListener("keydown", (e) => {
  if (e.target.closest && e.target.closest("dialog")) return;
  const typing = e.target instanceof HTMLInputElement;
  const k = e.key;
  if ((e.ctrlKey || e.metaKey) && k === "Enter") {
    e.preventDefault();
    approveNow();
  } else if (e.altKey && !e.ctrlKey) {
    const code = e.code;
    const actions = {
      KeyR: openReject,
      KeyS: skipNow,
      KeyN: addRow,
      KeyD: deleteRow,
      KeyL: splitRow,
      Equal: () => zoom(1.25),
      Minus: () => zoom(0.8),
      Digit0: fit,
      PageDown: () => (showPage(Math.min(data.pages.length - 1, view.page + 1)), fit()),
      PageUp: () => (showPage(Math.max(0, view.page - 1)), fit()),
      ArrowDown: () => moveField(1),
      ArrowUp: () => moveField(-1),
    };
    if (/^Digit[1-3]$/.test(code) && focused) {
      e.preventDefault();
      accept(focused.dataset.field, Number(code.slice(5)) - 1);
    } else if (actions[code]) {
      e.preventDefault();
      actions[code]();
    }
  } else if (typing && k === "Enter" && !e.ctrlKey) {
    e.preventDefault();
    moveField(e.shiftKey ? -1 : 1);
  } else if (!typing && k === "?") {
    $("#help-dialog").showModal();
  }
});

// ---------- claim ----------

const RENEW_MS = 4 * 60 * 1000; // the server's claim lasts 15 minutes
if (!approveBtn.dataset.locked) {
  setInterval(async () => {
    const r = await post("renew");
    if (r.ok && !r.json.held) say("Another reviewer took this document over; your changes cannot be saved.");
  }, RENEW_MS);
}

// ---------- start ----------

showPage(0);
img.addEventListener("load", fit, { once: true });
fit();
paint(JSON.parse(document.getElementById("review-problems").textContent));
const first = $$(".field.low input[data-field]", form)[0] || $$("input[data-field]", form)[0];
if (first && !approveBtn.dataset.locked) first.focus();
document.body.dataset.ready = "1";
