// ffx studio's page: the editor, its problems at their lines, the command, the graph, previews.
// Every request carries the token the page was opened with; the server checks it.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const editor = $("recipe"), gutter = $("gutter"), marks = $("marks");
const DEBOUNCE_MS = 300, POLL_MS = 250;
const FRAME_WIDTH = 480, FRAME_HEIGHT = 360;  // the box the frame to drag on is fitted in, CSS pixels

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

// upto: a look at the frames step `upto` receives (the recipe cut before it); null: the recipe's result
async function preview(upto = null) {
  const button = $("preview"), progress = $("progress");
  button.disabled = $("look").disabled = true;
  progress.hidden = false;
  progress.removeAttribute("value");
  $("preview-problems").replaceChildren();
  try {
    let job = await api("/api/preview", upto === null ? request() : { ...request(), upto });
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
    shown = job;
    $("shown").textContent = job.whole ? "the recipe's result"
      : `what steps[${job.upto}] receives: ${job.size || "no picture"}, its clock from ${job.at} s`;
    $("band").hidden = true;
    $("looking").hidden = false;
    document.body.dataset.preview = job.id;
    document.body.dataset.look = String(job.upto);
    tools();
  } finally {
    progress.hidden = true;
    button.disabled = false;
    tools();
  }
}

// --- setting values by looking: a drag on the frame, the player's time into trims and keyframes ---------
// A look shows what a step receives: its pixels and its clock. Drags map the picture's fractions to the
// step's own size (job.size), so the numbers written are the step's pixels, whatever the preview's scale.

let shown = null;  // the preview job on show
let spot = { ok: false };  // what the cursor is in: {step, steps, effect, field, rectangle}
let spotTimer = null, spotAsked = 0;

function point() {  // the place in the chain the cursor is at: its step, or after the last
  return spot.ok ? (spot.step === null ? spot.steps : spot.step) : undefined;
}

function looking() {  // the shown preview is at the cursor's place in the chain
  return shown !== null && spot.ok && point() === shown.upto;
}

function playerTime() {
  const video = $("video");
  return shown.at + (video.hidden ? 0 : video.currentTime);
}

function tools() {
  const here = looking();
  const busy = $("preview").disabled && !$("progress").hidden;
  $("look").disabled = busy || !spot.ok || spot.step === null;
  $("look").textContent = spot.ok && spot.step !== null ? `Look at steps[${spot.step}]` : "Look at step";
  $("trim-start").disabled = $("trim-end").disabled = busy || !here;
  $("keyframe").disabled = busy || !here || !spot.moves;
  $("keyframe").textContent = spot.ok && spot.moves ? `Keyframe ${spot.field} here` : "Keyframe here";
  const drags = here && spot.rectangle && shown.size;
  $("frame-box").classList.toggle("off", !drags);
  let hint = "";
  if (!spot.ok) hint = "fix the recipe to set values by looking";
  else if (!here) hint = spot.step === null ? "Preview to set times on the result's clock"
    : `Look at steps[${spot.step}] to set its values by looking`;
  else if (drags) hint = spot.rectangle === "position"
    ? `drag on the frame: the ${spot.effect}'s place (top left)${spot.effect === "overlay" ? " and width" : ""}`
    : spot.shape && spot.shape.line ? `drag on the frame: the ${spot.effect}'s line, from its start to its end`
    : `drag a rectangle on the frame: the ${spot.effect}'s ${spot.rectangle === "edges" ? "rectangle" : "region"}`;
  else hint = spot.step === null ? "start here / end here add a trim after the last step"
    : `${spot.effect}: ${spot.span ? `start here / end here set its start and end` : "start here / end here add a trim before it"}`;
  if (here && spot.field) hint += spot.moves ? `; put ${spot.field} on a keyframe at the player's time`
    : `; ${spot.field} cannot move`;
  $("hint").textContent = hint;
  if (shown) $("clock").textContent = `${playerTime().toFixed(3)} s`;
}

function askSpot() {
  clearTimeout(spotTimer);
  spotTimer = setTimeout(async () => {
    const number = ++spotAsked;
    const where = shown && shown.size ? { size: shown.size, at: playerTime() } : {};  // for the step's shape
    const answer = await api("/api/cursor", { text: editor.value, offset: editor.selectionStart, ...where });
    if (number !== spotAsked) return;
    if (answer.ok && spot.ok && (answer.step !== spot.step || answer.steps !== spot.steps)) $("band").hidden = true;
    spot = answer.ok ? answer : { ok: false };
    document.body.dataset.spot = spot.ok ? `${spot.step}:${spot.field || ""}` : "";
    tools();
    drawShape();
  }, 120);
}

function drawShape() {  // what the step's numbers say, on the frame: its rectangle, line or top-left corner
  const box = $("shape"), shape = looking() && spot.shape;
  box.hidden = !shape;
  if (!shape) return;
  const rect = $("frame").getBoundingClientRect();
  const [width, height] = shown.size.split("x").map(Number);
  const x = (v) => v / width * rect.width, y = (v) => v / height * rect.height;
  box.className = shape.rect ? "" : shape.line ? "line" : "point";
  box.style.transform = "";
  if (shape.rect) {
    const [x1, y1, x2, y2] = shape.rect;
    Object.assign(box.style, { left: `${x(x1)}px`, top: `${y(y1)}px`, width: `${x(x2 - x1)}px`, height: `${y(y2 - y1)}px` });
  } else if (shape.line) {
    const [[x1, y1], [x2, y2]] = shape.line;
    const dx = x(x2) - x(x1), dy = y(y2) - y(y1);
    Object.assign(box.style, { left: `${x(x1)}px`, top: `${y(y1)}px`, width: `${Math.hypot(dx, dy)}px` });
    box.style.transform = `rotate(${Math.atan2(dy, dx)}rad)`;
  } else {
    Object.assign(box.style, { left: `${x(shape.point[0])}px`, top: `${y(shape.point[1])}px` });
  }
  document.body.dataset.shape = JSON.stringify(shape);
}

function paintFrame() {
  const canvas = $("frame"), video = $("video"), still = $("still");
  const source = video.hidden ? still : video;
  const width = video.hidden ? still.naturalWidth : video.videoWidth;
  const height = video.hidden ? still.naturalHeight : video.videoHeight;
  if (!width || !height) return;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
    const fit = Math.min(FRAME_WIDTH / width, FRAME_HEIGHT / height);  // a tall or tiny frame, shown whole
    canvas.style.width = `${Math.round(width * fit)}px`;
    canvas.style.height = `${Math.round(height * fit)}px`;
    drawShape();
  }
  canvas.getContext("2d").drawImage(source, 0, 0, width, height);
  if (shown) $("clock").textContent = `${playerTime().toFixed(3)} s`;
}

// The editor's text replaced by `text` as typing would: only the part that differs, so Ctrl-Z undoes a tool
// and the scroll stays (execCommand is the one way a script's change joins a textarea's undo history).
function replaceText(text) {
  const old = editor.value;
  let start = 0, end = 0;
  while (start < old.length && start < text.length && old[start] === text[start]) start++;
  while (end < old.length - start && end < text.length - start
         && old[old.length - 1 - end] === text[text.length - 1 - end]) end++;
  const middle = text.slice(start, text.length - end);
  editor.focus();
  editor.setSelectionRange(start, old.length - end);
  const done = middle ? document.execCommand("insertText", false, middle) : document.execCommand("delete");
  if (!done || editor.value !== text) editor.value = text;
}

async function edit(body) {
  const message = $("look-message");
  const answer = await api("/api/edit", { text: editor.value, offset: editor.selectionStart, ...body });
  if (!answer.ok) {
    message.textContent = (answer.problems || []).map((p) => p.text).join("; ");
    message.className = "hint bad";
    return;
  }
  replaceText(answer.text);
  editor.setSelectionRange(answer.offset, answer.offset);
  message.textContent = "";
  message.className = "hint";
  spot = answer.spot;
  document.body.dataset.edited = String(Number(document.body.dataset.edited || 0) + 1);
  drawGutter(badLines);
  tools();
  $("band").hidden = true;
  askSpot();  // the step's shape as now written, drawn where the band was
  soon();  // validate, as after typing
}

function dragging() {
  const box = $("frame-box"), band = $("band");
  let from = null;
  const fraction = (event) => {
    const rect = $("frame").getBoundingClientRect();
    return [Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
            Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))];
  };
  const showBand = (a, b) => {
    const rect = $("frame").getBoundingClientRect();
    band.style.left = `${Math.min(a[0], b[0]) * rect.width}px`;
    band.style.top = `${Math.min(a[1], b[1]) * rect.height}px`;
    band.style.width = `${Math.abs(a[0] - b[0]) * rect.width}px`;
    band.style.height = `${Math.abs(a[1] - b[1]) * rect.height}px`;
    band.hidden = false;
  };
  box.addEventListener("pointerdown", (event) => {
    if (box.classList.contains("off") || event.button !== 0) return;
    event.preventDefault();
    $("video").pause();
    box.setPointerCapture(event.pointerId);
    from = fraction(event);
    showBand(from, from);
  });
  box.addEventListener("pointermove", (event) => {
    if (from) showBand(from, fraction(event));
  });
  box.addEventListener("pointerup", (event) => {
    if (!from) return;
    const to = fraction(event), start = from;
    from = null;
    showBand(start, to);
    const [width, height] = shown.size.split("x").map(Number);  // the step's pixels, not the preview's
    const pixels = (f) => [Math.round(f[0] * width), Math.round(f[1] * height)];
    edit({ action: "drag", from: pixels(start), to: pixels(to), at: playerTime() });
  });
}

function lookingStart() {
  const video = $("video");
  for (const name of ["loadeddata", "seeked", "pause", "timeupdate"]) video.addEventListener(name, paintFrame);
  for (const name of ["seeked", "pause"]) video.addEventListener(name, askSpot);  // a moving shape moves
  $("still").addEventListener("load", paintFrame);
  for (const name of ["keyup", "mouseup", "input", "focus"]) editor.addEventListener(name, askSpot);
  $("look").addEventListener("click", () => { if (spot.ok && spot.step !== null) preview(spot.step); });
  $("trim-start").addEventListener("click", () => edit({ action: "start", at: playerTime() }));
  $("trim-end").addEventListener("click", () => edit({ action: "end", at: playerTime() }));
  $("keyframe").addEventListener("click", () => edit({ action: "keyframe", at: playerTime() }));
  dragging();
  askSpot();
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
  $("preview").addEventListener("click", () => preview(null));
  lookingStart();
  $("save").addEventListener("click", save);
  $("copy").addEventListener("click", copyCommand);
  drawGutter(badLines);
  if (state.problems.length) showProblems($("problems"), true, state.problems);  // the file could not be read
  else check();
}

start();
