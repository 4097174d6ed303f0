// ffx studio's page: the editor, its problems at their lines, the command, the graph, previews.
// Every request carries the token the page was opened with; the server checks it.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const editor = $("recipe"), gutter = $("gutter"), marks = $("marks");
const DEBOUNCE_MS = 300, POLL_MS = 250;

let defaults = {};   // the recipe's vars as written in it
let overrides = {};  // vars the form changed: sent as --set would send them
let asked = 0;       // number of the latest check; older answers are dropped
let timer = null;
let lineHeight = 20;

function withToken(url) {
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

async function api(path, body) {
  const options = { headers: { "X-Ffx-Token": token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data;
  try {
    data = await response.json();
  } catch (error) {
    data = { ok: false, problems: [{ text: `${response.status}: ${response.statusText}` }] };
  }
  data.status = response.status;
  return data;
}

function request() {
  const span = {};  // the preview's window, when given
  for (const key of ["at", "seconds"]) {
    const value = $(key).value.trim();
    if (value !== "") span[key] = Number(value);
  }
  return { text: editor.value, name: $("name").value.trim(), set: overrides, input: $("input").value || null, ...span };
}

// --- the editor: gutter numbers and error marks follow the text and its scrolling --------------------

function drawGutter(bad) {
  const count = editor.value.split("\n").length;
  const lines = [];
  for (let n = 1; n <= count; n++) {
    const span = document.createElement("span");
    span.textContent = n;
    if (bad.has(n)) {
      span.className = "bad";
      span.title = bad.get(n);
    }
    lines.push(span);
  }
  gutter.replaceChildren(...lines);
  marks.replaceChildren(...[...bad.keys()].map((n) => {
    const mark = document.createElement("div");
    mark.className = "mark";
    mark.dataset.line = n;
    mark.title = bad.get(n);
    return mark;
  }));
  followScroll();
}

function followScroll() {
  gutter.scrollTop = editor.scrollTop;
  for (const mark of marks.children) {
    mark.style.top = `${6 + (mark.dataset.line - 1) * lineHeight - editor.scrollTop}px`;
  }
}

function goToLine(line) {
  const lines = editor.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(start, start + (lines[line - 1] || "").length);
  editor.scrollTop = Math.max(0, (line - 4) * lineHeight);
}

let badLines = new Map();

function showProblems(list, target, problems, notes = []) {
  const items = problems.map((problem) => {
    const item = document.createElement("li");
    item.textContent = problem.text;
    if (problem.line) {
      item.dataset.line = problem.line;
      item.addEventListener("click", () => goToLine(problem.line));
    }
    return item;
  });
  for (const note of notes) {
    const item = document.createElement("li");
    item.className = "note";
    item.textContent = "note: " + note;
    items.push(item);
  }
  list.replaceChildren(...items);
  if (target) {
    badLines = new Map();
    for (const problem of problems) {
      if (problem.line && !badLines.has(problem.line)) badLines.set(problem.line, problem.text);
    }
    drawGutter(badLines);
  }
}

// --- checking as one types ---------------------------------------------------------------------------

function soon() {
  clearTimeout(timer);
  timer = setTimeout(check, DEBOUNCE_MS);
}

async function check() {
  const number = ++asked;
  const status = $("status");
  const answer = await api("/api/validate", request());
  if (number !== asked) return;
  if (answer.vars) showVars(answer.vars);
  showProblems($("problems"), true, answer.problems || [], answer.notes || []);
  document.body.dataset.checked = String(number);
  $("command").classList.toggle("stale", !answer.ok);  // the last good command stays, dimmed
  $("graph").classList.toggle("stale", !answer.ok);
  if (!answer.ok) {
    const count = (answer.problems || []).length;
    status.textContent = `${count} problem${count === 1 ? "" : "s"}`;
    status.className = "status bad";
    return;
  }
  status.textContent = "ok: " + answer.summary;
  status.className = "status ok";
  const compiled = await api("/api/compile", request());
  if (number !== asked || !compiled.ok) return;
  $("command").textContent = compiled.command;
  const graph = $("graph");
  if (graph.src.startsWith("blob:")) URL.revokeObjectURL(graph.src);
  graph.src = URL.createObjectURL(new Blob([compiled.svg], { type: "image/svg+xml" }));
  graph.hidden = false;
}

function showVars(declared) {
  const box = $("vars");
  const same = JSON.stringify(Object.keys(declared)) === JSON.stringify(Object.keys(defaults));
  for (const name of Object.keys(overrides)) {
    if (!(name in declared)) delete overrides[name];
  }
  defaults = declared;
  if (same) {  // keep the fields (and the focus in them); show new defaults where nothing was typed
    for (const [name, value] of Object.entries(declared)) {
      const field = box.querySelector(`input[data-name="${CSS.escape(name)}"]`);
      if (field && !(name in overrides)) field.value = value;
    }
    return;
  }
  box.replaceChildren(...Object.entries(declared).map(([name, value]) => {
    const label = document.createElement("label");
    const field = document.createElement("input");
    field.dataset.name = name;
    field.value = name in overrides ? overrides[name] : value;
    field.addEventListener("input", () => {
      if (field.value === defaults[name]) delete overrides[name];
      else overrides[name] = field.value;
      soon();
    });
    label.append(name + " ", field);
    return label;
  }));
}

// --- preview -----------------------------------------------------------------------------------------

async function preview() {
  const button = $("preview"), progress = $("progress");
  button.disabled = true;
  progress.hidden = false;
  progress.removeAttribute("value");
  $("preview-problems").replaceChildren();
  try {
    let job = await api("/api/preview", request());
    while (job.state === "running") {
      await new Promise((done) => setTimeout(done, POLL_MS));
      job = await api(`/api/preview/${job.id}`);
      if (job.fraction !== null && job.fraction !== undefined) progress.value = job.fraction;
    }
    if (job.state !== "done") {
      const list = document.createElement("ul");
      list.className = "problems";
      showProblems(list, false, job.problems || []);
      $("preview-problems").replaceChildren(list);
      return;
    }
    const still = job.video.endsWith(".png");
    const video = $("video"), picture = $("still"), sheet = $("sheet");
    video.hidden = still;
    picture.hidden = !still;
    if (still) picture.src = withToken(`/api/preview/${job.id}/video`);
    else {
      video.src = withToken(`/api/preview/${job.id}/video`);
      video.play().catch(() => {});
    }
    sheet.src = withToken(`/api/preview/${job.id}/sheet`);
    sheet.hidden = false;
    document.body.dataset.preview = job.id;
  } finally {
    progress.hidden = true;
    button.disabled = false;
  }
}

// --- saving and copying ------------------------------------------------------------------------------

async function save() {
  const answer = await api("/api/save", { name: $("name").value.trim(), text: editor.value });
  if (answer.ok) {
    $("name").value = answer.name;
    $("saved").textContent = `saved ${answer.name} at ${new Date().toLocaleTimeString()}`;
  } else {
    $("saved").textContent = (answer.problems || []).map((p) => p.text).join("; ");
  }
}

async function copyCommand() {
  const text = $("command").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {  // no clipboard permission: select it for Ctrl-C
    const range = document.createRange();
    range.selectNodeContents($("command"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand("copy");
  }
  $("copy").textContent = "Copied";
  setTimeout(() => { $("copy").textContent = "Copy"; }, 1200);
}

async function start() {
  lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 20;
  const state = await api("/api/state");
  $("name").value = state.name;
  editor.value = state.text;
  for (const file of state.media) {
    const option = document.createElement("option");
    option.value = option.textContent = file;
    $("input").append(option);
  }
  editor.addEventListener("input", () => { drawGutter(badLines); soon(); });
  editor.addEventListener("scroll", followScroll);
  editor.addEventListener("keydown", (event) => {  // Tab indents (YAML wants spaces)
    if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
      editor.dispatchEvent(new Event("input"));
    }
  });
  for (const id of ["input", "at", "seconds"]) $(id).addEventListener("input", soon);
  $("form").addEventListener("submit", (event) => event.preventDefault());
  $("preview").addEventListener("click", preview);
  $("save").addEventListener("click", save);
  $("copy").addEventListener("click", copyCommand);
  drawGutter(badLines);
  if (state.problems.length) showProblems($("problems"), true, state.problems);  // the file could not be read
  else check();
}

start();
