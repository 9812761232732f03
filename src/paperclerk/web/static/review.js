// The review screen: page viewer (image, word boxes, focused-field box and crop, zoom and pan),
// fill-by-click/drag, the list of what to check, live checks with parsed values, line-item
// editing, keyboard shortcuts, and the next document's page image fetched ahead.
// One hand-written module, no build step. `window.__reviewPaintedAt` (epoch ms) is set once
// the page image is painted, for the browser benchmark (benchmarks/review_ui.py).

const data = JSON.parse(document.getElementById("review-data").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const FIELD = ":is(input, textarea)[data-field]"; // the suggestion buttons name a field too

const stage = $("#stage");
const canvas = $("#canvas");
const img = $("#page-img");
const wordsLayer = $("#words");
const fieldbox = $("#fieldbox");
const dragbox = $("#dragbox");
const dragpreview = $("#dragpreview");
const form = $("#review-form");
const tbody = $("#items tbody");
const columns = $("#items").dataset.columns.split(",").filter(Boolean);
const approveBtn = $("#approve");
const statusEl = $("#status");
const problemList = $("#problems");
let locked = Boolean(approveBtn.dataset.locked); // another reviewer holds the document

const view = { page: 0, scale: 1, x: 0, y: 0 };
const wordIndex = new Map(); // id -> {page, text, box: [x0, y0, x1, y1] normalised}
const wordEls = new Map(); // id -> element on the current page
const picked = new Map(); // field key -> word ids (as read or as clicked)
const dirtyWords = new Set(); // fields whose words a person picked
const initial = new Map(); // field key -> the value as read, to mark edits
const initialRows = JSON.stringify(rowsNow());
const acknowledged = {}; // rule id -> the reviewer's reason for accepting its warning
let problems = []; // what to check, in form order: {field, message, blocking, rule}
let lastFound = []; // the problems of the last check
let focused = null; // the input being filled
let lit = []; // highlighted word elements
let taking = []; // word elements a drag would take
let blocking = 0;
let checkTimer = 0;
let checkSeq = 0;
let busy = false;
let decided = false;

for (const page of data.pages) {
  for (const [id, text, x0, y0, x1, y1] of page.words) {
    wordIndex.set(id, { page: page.index, text, box: [x0, y0, x1, y1] });
  }
}
for (const [name, ids] of Object.entries(data.fields)) picked.set(name, ids);
for (const el of $$(FIELD, form)) {
  initial.set(el.dataset.field, el.value);
  if (el.dataset.field.startsWith("line_items.")) {
    picked.set(el.dataset.field, (el.dataset.words || "").split(" ").filter(Boolean));
  }
  if (locked) el.readOnly = true;
}

function fieldEls() {
  return $$(FIELD, form);
}

function fieldEl(name) {
  return form.querySelector(`:is(input, textarea)[data-field="${CSS.escape(name)}"]`);
}

function label(name) {
  const row = $(`.field[data-row="${CSS.escape(name)}"] label span`);
  if (row) return row.textContent;
  const m = /^line_items\.(\d+)\.(.+)$/.exec(name);
  if (m) return `Row ${Number(m[1]) + 1} ${m[2].replace(/_/g, " ")}`;
  return name === "line_items" ? "Line items" : name === "document" ? "Document" : name.replace(/_/g, " ");
}

function grow(el) {
  if (el.tagName !== "TEXTAREA") return;
  el.style.height = "auto";
  el.style.height = `${el.scrollHeight + 2}px`;
}

// ---------- viewer ----------

function showPage(index) {
  const page = data.pages[index];
  if (!page) return;
  view.page = index;
  if (img.getAttribute("src") !== page.src) img.src = page.src;
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
  dragpreview.style.transform = `scale(${1 / view.scale})`;
  $("#zoom-label").textContent = `${Math.round(view.scale * 100)}%`;
}

function unite(box, other) {
  // the smallest box holding both (`box` may be null)
  return box ? [Math.min(box[0], other[0]), Math.min(box[1], other[1]), Math.max(box[2], other[2]), Math.max(box[3], other[3])] : other;
}

function contentBox(page) {
  // where the words are, with a margin: the page's white margins are left out of "Fit"
  let box = null;
  for (const [, , x0, y0, x1, y1] of page.words) {
    box = unite(box, [x0, y0, x1, y1]);
  }
  if (!box) return [0, 0, 1, 1];
  const m = 0.02;
  return [Math.max(0, box[0] - m), Math.max(0, box[1] - m), Math.min(1, box[2] + m), Math.min(1, box[3] + m)];
}

function fitTo(box, wholePage) {
  const page = data.pages[view.page];
  if (!page) return;
  const w = (box[2] - box[0]) * page.width;
  const h = (box[3] - box[1]) * page.height;
  const byWidth = (stage.clientWidth - 24) / w;
  const byHeight = (stage.clientHeight - 24) / h;
  // the text fits whole when that keeps it at least 60 % of the width-fitted size; a long
  // receipt is fitted to its width and scrolled
  const whole = Math.min(byWidth, byHeight);
  view.scale = Math.min(wholePage || whole >= 0.6 * byWidth ? whole : byWidth, 2);
  view.x = 12 - box[0] * page.width * view.scale;
  view.y = 12 - box[1] * page.height * view.scale;
  apply();
}

function fit() {
  const page = data.pages[view.page];
  if (!page) return;
  fitTo(contentBox(page), false);
  const found = focused && unionBox(picked.get(focused.dataset.field) || []);
  if (found && found.page === view.page) keepInView(found.box);
}

function fitPage() {
  fitTo([0, 0, 1, 1], true);
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
    box = unite(box, w.box);
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

const crop = document.createElement("div");
crop.className = "crop";
crop.setAttribute("aria-hidden", "true");
crop.hidden = true;

function showCrop(input, found) {
  // the source region of the focused field, beside its value
  const row = input.closest(".field");
  if (!row || !found) {
    crop.hidden = true;
    return;
  }
  const page = data.pages[found.page];
  const [x0, y0, x1, y1] = found.box;
  const padY = (y1 - y0) * page.height * 0.35;
  const padX = Math.min(padY * 2, 0.02 * page.width);
  const rx = Math.max(0, x0 * page.width - padX);
  const ry = Math.max(0, y0 * page.height - padY);
  const rw = Math.min(page.width, x1 * page.width + padX) - rx;
  const rh = Math.min(page.height, y1 * page.height + padY) - ry;
  const maxW = input.clientWidth || 300;
  const s = Math.min(maxW / rw, 72 / rh, 2);
  crop.style.width = `${rw * s}px`;
  crop.style.height = `${rh * s}px`;
  crop.style.backgroundImage = `url("${page.src}")`;
  crop.style.backgroundSize = `${page.width * s}px ${page.height * s}px`;
  crop.style.backgroundPosition = `${-rx * s}px ${-ry * s}px`;
  if (crop.parentElement !== row) row.appendChild(crop);
  crop.hidden = false;
}

function highlight(input, follow = true) {
  for (const el of lit) el.classList.remove("hl");
  lit = [];
  const ids = picked.get(input.dataset.field) || [];
  const found = unionBox(ids);
  showCrop(input, found);
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
  if (focused && focused !== input) focused.closest(".field, tr")?.classList.remove("active");
  focused = input;
  input.closest(".field, tr")?.classList.add("active");
  highlight(input);
  for (const li of $$("li", problemList)) li.classList.toggle("current", li.dataset.field === input.dataset.field);
}

form.addEventListener("focusin", (e) => {
  const input = e.target.closest(FIELD);
  if (input) focusField(input);
});

// ---------- fill by click / drag ----------

function fill(ids, append) {
  if (locked) return say("Another reviewer holds this document: you can look, not change it.");
  if (!focused) {
    say("Focus a field first (click it or press Tab), then click a word.");
    return;
  }
  const key = focused.dataset.field;
  const before = append ? picked.get(key) || [] : [];
  const all = [...before, ...ids.filter((id) => !before.includes(id))];
  focused.value = all.map((id) => wordIndex.get(id)?.text ?? "").join(" ").trim();
  grow(focused);
  picked.set(key, all);
  dirtyWords.add(key);
  highlight(focused);
  edited();
  scheduleCheck();
}

function wordsIn(rect) {
  // a word is taken when the rectangle reaches the middle of it (the central half of its
  // box): neighbouring lines' boxes overlap, and touching one is no sign it was meant
  const page = data.pages[view.page];
  const out = [];
  for (const [id, , x0, y0, x1, y1] of page.words) {
    const qx = (x1 - x0) / 4;
    const qy = (y1 - y0) / 4;
    if (rect[0] <= x1 - qx && rect[2] >= x0 + qx && rect[1] <= y1 - qy && rect[3] >= y0 + qy) out.push([id, y0, x0, y1]);
  }
  // reading order: by line (vertical overlap), then left to right
  out.sort((a, b) => (Math.abs(a[1] - b[1]) < (a[3] - a[1]) / 2 ? a[2] - b[2] : a[1] - b[1]));
  return out.map((w) => w[0]);
}

function toPage(ev) {
  const r = canvas.getBoundingClientRect();
  return [(ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height];
}

function preview(ids) {
  for (const el of taking) el.classList.remove("take");
  taking = ids.map((id) => wordEls.get(id)).filter(Boolean);
  for (const el of taking) el.classList.add("take");
  dragpreview.textContent = ids.map((id) => wordIndex.get(id)?.text ?? "").join(" ");
  dragpreview.hidden = !ids.length;
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
  dragpreview.style.left = `${drag.rect[0] * 100}%`;
  dragpreview.style.top = `${drag.rect[3] * 100}%`;
  preview(wordsIn(drag.rect));
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
  preview([]);
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
  const input = fieldEl(name);
  if (!s || !input || locked) return;
  input.value = s.value;
  grow(input);
  picked.set(name, s.words || []);
  dirtyWords.add(name);
  input.focus();
  highlight(input);
  edited();
  scheduleCheck();
}

form.addEventListener("click", (e) => {
  const b = e.target.closest(".sugg-btn");
  if (b) accept(b.dataset.field, Number(b.dataset.index));
});

// ---------- line items ----------

function rowsNow() {
  return $$("tr", tbody).map((tr) => {
    const row = {};
    for (const cell of $$("[data-col]", tr)) row[cell.dataset.col] = cell.value;
    return row;
  });
}

function renumber() {
  $$("tr", tbody).forEach((tr, i) => {
    tr.querySelector(".idx").textContent = String(i + 1);
    for (const cell of $$("[data-col]", tr)) {
      const old = cell.dataset.field;
      const key = `line_items.${i}.${cell.dataset.col}`;
      if (old !== key) {
        const ids = picked.get(old);
        picked.delete(old);
        if (ids) picked.set(key, ids);
        if (dirtyWords.delete(old)) dirtyWords.add(key);
      }
      cell.dataset.field = key;
      cell.setAttribute("aria-label", `Row ${i + 1} ${cell.dataset.col.replace(/_/g, " ")}`);
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
    const multi = col === "description";
    const cell = document.createElement(multi ? "textarea" : "input");
    const numeric = $(`#items thead th:nth-child(${columns.indexOf(col) + 2})`).classList.contains("num");
    cell.className = multi ? "cell grow" : numeric ? "cell num" : "cell";
    if (multi) cell.rows = 1;
    cell.dataset.col = col;
    cell.spellcheck = false;
    cell.value = values[col] || "";
    td.appendChild(cell);
    tr.appendChild(td);
  }
  return tr;
}

function currentRow() {
  return focused && focused.closest("#items tbody tr");
}

function addRow() {
  if (locked) return;
  const row = currentRow();
  const tr = newRow();
  if (row) row.after(tr);
  else tbody.appendChild(tr);
  renumber();
  tr.querySelector(`[data-col="${columns[0]}"]`).focus(); // a new row starts in its first column
  edited();
  scheduleCheck();
}

function deleteRow() {
  if (locked) return;
  const row = currentRow();
  if (!row) return say("Focus a cell of the row to delete.");
  const target = row.nextElementSibling || row.previousElementSibling;
  const col = focused.dataset.col;
  row.remove();
  renumber();
  if (target) target.querySelector(`[data-col="${col}"]`).focus();
  else $("#add-row").focus();
  edited();
  scheduleCheck();
}

function splitRow() {
  if (locked) return;
  const row = currentRow();
  if (!row) return say("Focus a cell, put the cursor where the row should split, then split.");
  const input = focused;
  const at = input.selectionStart ?? input.value.length;
  const rest = input.value.slice(at).trim();
  input.value = input.value.slice(0, at).trim();
  const tr = newRow({ [input.dataset.col]: rest });
  row.after(tr);
  renumber();
  tr.querySelector(`[data-col="${input.dataset.col}"]`).focus();
  edited();
  scheduleCheck();
}

$("#add-row").addEventListener("click", addRow);
$("#delete-row").addEventListener("mousedown", (e) => e.preventDefault());
$("#delete-row").addEventListener("click", deleteRow);
$("#split-row").addEventListener("mousedown", (e) => e.preventDefault());
$("#split-row").addEventListener("click", splitRow);

// ---------- edits ----------

function edited() {
  // mark edited fields, and keep the summary of changes shown before approval
  const changes = [];
  for (const el of $$(`.fields ${FIELD}`, form)) {
    const was = initial.get(el.dataset.field) ?? "";
    const changed = el.value !== was;
    el.closest(".field").classList.toggle("edited", changed);
    if (changed) changes.push([label(el.dataset.field), was, el.value]);
  }
  for (const cell of $$("[data-col]", tbody)) {
    cell.closest("td").classList.toggle("edited", cell.value !== (initial.get(cell.dataset.field) ?? ""));
  }
  const rows = JSON.stringify(rowsNow());
  if (rows !== initialRows) changes.push(["Line items", "", `${$$("tr", tbody).length} rows, changed`]);
  const box = $("#changes");
  box.hidden = !changes.length;
  $("#changes-title").textContent = `${changes.length} change${changes.length === 1 ? "" : "s"} to approve`;
  $("#changes-list").replaceChildren(
    ...changes.map(([name, was, now]) => {
      const li = document.createElement("li");
      li.textContent = was ? `${name}: ${was} → ${now || "(empty)"}` : `${name}: ${now}`;
      return li;
    }),
  );
}

form.addEventListener("input", (e) => {
  grow(e.target);
  edited();
  scheduleCheck();
});

// ---------- checks ----------

function collect() {
  const fields = {};
  const fieldWords = {};
  for (const input of $$(`.fields ${FIELD}`, form)) {
    fields[input.dataset.field] = input.value;
    if (dirtyWords.has(input.dataset.field)) fieldWords[input.dataset.field] = picked.get(input.dataset.field) || [];
  }
  return { fields, field_words: fieldWords, line_items: rowsNow(), acknowledged };
}

function order(name, all) {
  // where a problem's field sits in the form (`all`: the fields' names in form order)
  const i = all.indexOf(name);
  if (i >= 0) return i;
  if (name === "line_items") {
    const first = all.findIndex((n) => n.startsWith("line_items."));
    return first >= 0 ? first : all.length;
  }
  return all.length + 1;
}

function likelyWrong(p) {
  // what to check first: what blocks approval, then a failing rule, then the least sure value
  if (p.blocking) return 0;
  if (p.rule) return 1;
  const row = $(`.field[data-row="${CSS.escape(p.field)}"]`);
  return 2 + Number(row?.dataset.confidence || 0);
}

function target(name) {
  // the element a problem points at: its field, or the first cell of the line items
  return fieldEl(name) || (name === "line_items" ? $("[data-col]", tbody) || $("#add-row") : null);
}

function listProblems(found) {
  lastFound = found;
  const seen = new Set(found.map((p) => p.field));
  const unsure = $$(".field.low", form)
    .filter((row) => !row.classList.contains("edited") && !seen.has(row.dataset.row))
    .map((row) => ({ field: row.dataset.row, message: "read with low confidence: check it", blocking: false }));
  const all = fieldEls().map((el) => el.dataset.field);
  problems = [...found, ...unsure].sort((a, b) => likelyWrong(a) - likelyWrong(b) || order(a.field, all) - order(b.field, all));
  const items = problems.map((p) => {
    const li = document.createElement("li");
    li.dataset.field = p.field;
    li.className = p.blocking ? "bad" : "warn";
    const go = document.createElement("button");
    go.type = "button";
    go.className = "link";
    go.tabIndex = -1;
    go.textContent = `${label(p.field)}: ${p.message}`;
    go.addEventListener("click", () => jumpTo(p.field));
    li.appendChild(go);
    if (p.rule && !locked) li.appendChild(ackControl(p));
    return li;
  });
  problemList.replaceChildren(...items);
  $("#problems-title").textContent = problems.length ? `To check (${problems.length})` : "Nothing to check";
}

function ackControl(p) {
  // a rule's warning can be accepted with a reason (recorded in the audit) instead of
  // forcing the reviewer to invent data that makes it pass
  const span = document.createElement("span");
  span.className = "ack";
  if (acknowledged[p.rule]) {
    span.textContent = ` · accepted: ${acknowledged[p.rule]}`;
    return span;
  }
  const b = document.createElement("button");
  b.type = "button";
  b.className = "link small";
  b.textContent = "Accept as it is…";
  b.addEventListener("click", () => {
    const input = document.createElement("input");
    input.className = "input ack-reason";
    input.placeholder = "Why it is right (Enter)";
    input.maxLength = 500;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        e.stopPropagation();
        const reason = input.value.trim();
        if (!reason) return input.setAttribute("aria-invalid", "true");
        acknowledged[p.rule] = reason;
        runCheck();
      } else if (e.key === "Escape") {
        e.stopPropagation();
        listProblems(lastFound);
      }
    });
    span.replaceChildren(input);
    input.focus();
  });
  span.appendChild(b);
  return span;
}

function jumpTo(name) {
  const el = target(name);
  if (!el) return;
  el.focus();
  if (el.select) el.select();
  el.scrollIntoView({ block: "nearest" });
}

function nextProblem(step) {
  // F8 walks the list in its order (most likely wrong first), from the focused field on
  if (!problems.length) return say("Nothing left to check: Ctrl+Enter approves.");
  const names = problems.map((p) => p.field);
  const here = focused ? names.indexOf(focused.dataset.field) : -1;
  const i = here < 0 ? (step > 0 ? 0 : names.length - 1) : (here + step + names.length) % names.length;
  jumpTo(names[i]);
}

function showParsed(parsed) {
  for (const el of $$("[data-parsed-for]", form)) {
    const name = el.dataset.parsedFor;
    const input = fieldEl(name);
    const text = parsed[name];
    el.textContent = text && input && text !== input.value.trim() ? `→ ${text}` : "";
  }
  for (const cell of $$("[data-col]", tbody)) {
    const text = parsed[cell.dataset.field];
    cell.title = text && text !== cell.value.trim() ? `→ ${text}` : "";
  }
}

function paint(found) {
  for (const el of $$("[data-msg-for]")) {
    el.textContent = "";
    el.title = "";
    el.classList.remove("bad", "warn");
  }
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  blocking = 0;
  for (const p of found) {
    if (p.blocking) blocking += 1;
    let slot = $(`[data-msg-for="${CSS.escape(p.field)}"]`);
    const input = fieldEl(p.field);
    if (input && p.blocking) input.setAttribute("aria-invalid", "true");
    if (!slot && p.field.startsWith("line_items.")) slot = $('[data-msg-for="line_items"]');
    if (!slot) slot = $('[data-msg-for="document"]');
    const prefix = p.field.startsWith("line_items.") ? `Row ${Number(p.field.split(".")[1]) + 1}: ` : "";
    slot.textContent = slot.textContent ? `${slot.textContent} · ${prefix}${p.message}` : prefix + p.message;
    if (!slot.classList.contains("bad")) slot.classList.add(p.blocking ? "bad" : "warn");
    if (p.blocking) slot.classList.replace("warn", "bad");
    slot.title = slot.textContent;
  }
  listProblems(found);
  if (!locked) approveBtn.disabled = blocking > 0;
  statusEl.textContent = blocking ? `${blocking} problem${blocking > 1 ? "s" : ""} to fix before approving` : locked ? "" : "Ready to approve";
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
  if (seq !== checkSeq) return; // a newer check (or an approval) is on its way
  if (r.ok) {
    paint(r.json.problems);
    showParsed(r.json.parsed || {});
  } else say(r.json.error?.message || "Could not check the values.");
}

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(runCheck, 120);
}

// ---------- decisions ----------

function say(text) {
  statusEl.textContent = text;
}

function go(next) {
  decided = true;
  window.location.assign(next || "/review");
}

async function approveNow() {
  // one request: the server checks the values again and refuses with the problems
  if (busy || locked) return;
  busy = true;
  clearTimeout(checkTimer);
  checkSeq += 1; // answers of checks still in flight are stale now
  say("Approving…");
  const r = await post("approve", collect());
  if (r.ok) return go(r.json.next);
  busy = false;
  if (r.json.problems) {
    paint(r.json.problems);
    const first = problems.find((p) => p.blocking);
    if (first) jumpTo(first.field);
  }
  say(r.json.error?.message || "Could not approve.");
}

const rejectDialog = $("#reject-dialog");
function openReject() {
  if (busy || locked) return;
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
  if (busy) return;
  busy = true;
  const r = await post("reject", { reason });
  if (r.ok) return go(r.json.next);
  busy = false;
  rejectDialog.close();
  say(r.json.error?.message || "Could not reject.");
});

async function skipNow() {
  if (busy || locked) return;
  busy = true;
  const r = await post("skip");
  if (r.ok) return go(r.json.next);
  busy = false;
  say(r.json.error?.message || "Could not skip.");
}

function help() {
  if (!$("#help-dialog").open) $("#help-dialog").showModal();
}

approveBtn.addEventListener("click", approveNow);
$("#reject").addEventListener("click", openReject);
$("#skip").addEventListener("click", skipNow);
$("#help").addEventListener("click", help);
$("#zoom-in").addEventListener("click", () => zoom(1.25));
$("#zoom-out").addEventListener("click", () => zoom(0.8));
$("#zoom-fit").addEventListener("click", fit);
$("#zoom-page").addEventListener("click", fitPage);
$("#prev-page").addEventListener("click", () => (showPage(Math.max(0, view.page - 1)), fit()));
$("#next-page").addEventListener("click", () => (showPage(Math.min(data.pages.length - 1, view.page + 1)), fit()));

// ---------- keyboard ----------

function moveField(step) {
  const inputs = fieldEls();
  const i = inputs.indexOf(document.activeElement);
  const next = inputs[Math.min(inputs.length - 1, Math.max(0, i + step))];
  if (next) {
    next.focus();
    next.select();
  }
}

function lineBreak(el) {
  const at = el.selectionStart;
  el.setRangeText("\n", at, el.selectionEnd, "end");
  grow(el);
  edited();
  scheduleCheck();
}

document.addEventListener("keydown", (e) => {
  if (e.target.closest && e.target.closest("dialog, .ack")) return;
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  const k = e.key;
  if ((e.ctrlKey || e.metaKey) && k === "Enter") {
    e.preventDefault();
    approveNow();
  } else if (k === "F8") {
    e.preventDefault();
    nextProblem(e.shiftKey ? -1 : 1);
  } else if (k === "?" && !e.ctrlKey && !e.altKey && !e.metaKey) {
    // help, also from inside a field: no value needs a typed question mark, and one
    // typed by mistake would be approved and learnt
    e.preventDefault();
    help();
  } else if (e.altKey && !e.ctrlKey) {
    const code = e.code;
    if (code === "Enter" && e.target instanceof HTMLTextAreaElement && !locked) {
      e.preventDefault();
      return lineBreak(e.target);
    }
    const actions = {
      KeyR: openReject,
      KeyS: skipNow,
      KeyN: addRow,
      KeyD: deleteRow,
      KeyL: splitRow,
      Equal: () => zoom(1.25),
      Minus: () => zoom(0.8),
      Digit0: fit,
      Digit9: fitPage,
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
  }
});

// ---------- claim ----------

function lockNow(text) {
  locked = true;
  approveBtn.disabled = true;
  approveBtn.dataset.locked = "1";
  for (const b of $$("#skip, #reject, #add-row, #split-row, #delete-row")) b.disabled = true;
  for (const el of fieldEls()) el.readOnly = true;
  say(text);
}

if (!locked) {
  // a page fetched ahead claimed nothing: claim it now (a page loaded as usual renews)
  post("renew").then((r) => {
    if (r.ok && !r.json.held) lockNow("Another reviewer holds this document or it was decided: you can look, not decide.");
  });
}

const RENEW_MS = 4 * 60 * 1000; // the server's claim lasts 15 minutes
if (!locked) {
  setInterval(async () => {
    const r = await post("renew");
    if (r.ok && !r.json.held) say("Another reviewer took this document over; your changes cannot be saved.");
  }, RENEW_MS);
  // leaving without a decision gives the document back at once, not after 15 minutes
  window.addEventListener("pagehide", () => {
    if (!decided) navigator.sendBeacon(`/review/${data.id}/leave?csrf=${encodeURIComponent(csrf)}`);
  });
}

// ---------- the next document, fetched ahead ----------

async function prefetchNext() {
  // the next document's page (claiming nothing: see review_page) and its page image
  try {
    const r = await fetch(`/review/${data.id}/upcoming`, { headers: { Accept: "application/json" } });
    if (!r.ok) return;
    const next = await r.json();
    if (next.id) {
      const link = document.createElement("link");
      link.rel = "prefetch";
      link.href = `/review/${next.id}`;
      document.head.appendChild(link);
    }
    for (const src of next.images || []) {
      const pre = new Image();
      pre.decoding = "async";
      pre.src = src;
    }
  } catch {
    // fetching ahead only saves time; the next document loads as usual without it
  }
}

// ---------- start ----------

document.body.dataset.doc = data.id;
for (const el of fieldEls()) grow(el);
showPage(0);
fit();
function shown() {
  if (focused) highlight(focused, false);
  requestAnimationFrame(() => {
    window.__reviewPaintedAt = performance.timeOrigin + performance.now();
    document.body.dataset.painted = "1";
    if (!locked) prefetchNext();
  });
}
// the page image is named in the HTML, so a cached one may be there before this runs
if (img.complete && img.naturalWidth) shown();
else img.addEventListener("load", shown, { once: true });
paint(JSON.parse(document.getElementById("review-problems").textContent));
edited();
if (!locked) {
  const first = problems.length ? target(problems[0].field) : fieldEls()[0];
  if (first) {
    first.focus();
    if (first.select) first.select();
  }
}
document.body.dataset.ready = "1";
