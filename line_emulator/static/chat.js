// The resident's side of a LINE chat, played against the emulator's driver API. No build step.
"use strict";

const $ = (selector) => document.querySelector(selector);
const state = { userId: null, residents: [], signature: "", picker: null };

async function call(path, options = {}) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  return { ok: response.ok, status: response.status, body };
}

function postJson(path, body) {
  return call(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function showStatus(result) {
  const status = $("#status");
  if (!result) { status.textContent = ""; return; }
  if (result.status === 502) status.textContent = "Bot unreachable: " + (result.body && result.body.error);
  else if (!result.ok) status.textContent = "Emulator said " + result.status + ": " + JSON.stringify(result.body);
  else if (result.body && result.body.status && result.body.status !== 200) {
    status.textContent = "Bot server answered HTTP " + result.body.status;
  } else status.textContent = "";
}

// Residents
async function loadResidents() {
  const result = await call("/_emulator/residents");
  state.residents = result.body || [];
  const list = $("#residents");
  list.replaceChildren();
  for (const resident of state.residents) {
    const item = el("li", resident.userId === state.userId ? "active" : "");
    item.append(el("span", "", resident.displayName + " · " + resident.language), el("span", "id", resident.userId));
    item.addEventListener("click", () => selectResident(resident.userId));
    list.append(item);
  }
  renderHeader();
}

function currentResident() {
  return state.residents.find((r) => r.userId === state.userId);
}

function renderHeader() {
  const resident = currentResident();
  const enabled = Boolean(resident);
  for (const id of ["#follow", "#text", "#send", "#image-button"]) $(id).disabled = !enabled;
  if (!resident) return;
  $("#chat-title").textContent = resident.displayName;
  $("#chat-subtitle").textContent = resident.userId + " · " + resident.language +
    (resident.followed && !resident.blocked ? " · friend" : " · not a friend yet");
}

async function selectResident(userId) {
  state.userId = userId;
  state.signature = "";
  hidePicker();
  showStatus(null);
  await loadResidents();
  await poll();
}

// Sending
async function send(body) {
  const result = await postJson("/_emulator/residents/" + state.userId + "/messages", body);
  showStatus(result);
  await poll();
}

const sendText = (text) => send({ type: "text", text });

function sendPostback(data, params, displayText) {
  const body = { type: "postback", data };
  if (params) body.params = params;
  if (displayText) body.displayText = displayText;
  return send(body);
}

async function sendImage(file) {
  const form = new FormData();
  form.append("file", file);
  const result = await call("/_emulator/residents/" + state.userId + "/messages", { method: "POST", body: form });
  showStatus(result);
  await poll();
}

function runAction(action) {
  if (!action || !state.userId) return;
  switch (action.type) {
    case "message": return sendText(action.text);
    case "postback": return sendPostback(action.data, null, action.displayText || action.text);
    case "datetimepicker": return showPicker(action);
    case "camera":
    case "cameraRoll": return $("#file").click();
    case "uri": return window.open(action.uri, "_blank", "noopener");
    case "clipboard": return navigator.clipboard && navigator.clipboard.writeText(action.clipboardText || "");
    default: $("#status").textContent = "Action '" + action.type + "' is not emulated";
  }
}

// Date/time picker for datetimepicker actions
const PICKER_KINDS = { date: "date", time: "time", datetime: "datetime-local" };

function showPicker(action) {
  const input = $("#picker-input");
  input.type = PICKER_KINDS[action.mode] || "date";
  input.value = action.initial || "";
  input.min = action.min || "";
  input.max = action.max || "";
  $("#picker-label").textContent = action.label || "Pick a " + (action.mode || "date");
  state.picker = action;
  $("#picker").hidden = false;
  input.focus();
}

function hidePicker() {
  state.picker = null;
  $("#picker").hidden = true;
}

function confirmPicker() {
  const action = state.picker;
  const value = $("#picker-input").value;
  if (!action || !value) return;
  hidePicker();
  sendPostback(action.data, { [action.mode || "date"]: value });
}

// Timeline
function renderTimeline(entries) {
  const timeline = $("#timeline");
  const atBottom = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 40;
  timeline.replaceChildren();
  for (const entry of entries) {
    if (entry.from === "resident") { timeline.append(renderResidentEntry(entry)); continue; }
    const row = el("div", "row bot");
    row.append(el("div", "avatar", "市"), renderBotMessage(entry.message), el("span", "time", clock(entry.at)));
    timeline.append(row);
  }
  if (atBottom || state.signature === "") timeline.scrollTop = timeline.scrollHeight;
  renderChips(entries[entries.length - 1]);
}

function renderChips(last) {
  const chips = $("#chips");
  chips.replaceChildren();
  const items = last && last.from === "bot" && last.message.quickReply ? last.message.quickReply.items || [] : [];
  const icons = { camera: "📷 ", cameraRoll: "🖼 ", datetimepicker: "📅 ", uri: "🔗 " };
  for (const item of items) {
    const action = item.action || {};
    chips.append(actionButton(action, "chip", (icons[action.type] || "") + (action.label || action.type)));
  }
}

async function poll() {
  if (!state.userId) return;
  const userId = state.userId;
  const result = await call("/_emulator/residents/" + userId + "/timeline");
  if (!result.ok || userId !== state.userId) return;
  const signature = JSON.stringify(result.body);
  if (signature === state.signature) return;
  renderTimeline(result.body);
  state.signature = signature;
}

// Wiring
$("#composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("#text").value;
  if (!text.trim() || !state.userId) return;
  $("#text").value = "";
  sendText(text);
});
$("#image-button").addEventListener("click", () => $("#file").click());
$("#file").addEventListener("change", () => {
  const file = $("#file").files[0];
  $("#file").value = "";
  if (file && state.userId) sendImage(file);
});
$("#follow").addEventListener("click", async () => {
  const result = await call("/_emulator/residents/" + state.userId + "/follow", { method: "POST" });
  showStatus(result);
  await loadResidents();
  await poll();
});
$("#create").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await postJson("/_emulator/residents", {
    displayName: $("#new-name").value.trim(),
    language: $("#new-language").value,
  });
  if (!result.ok) { showStatus(result); return; }
  $("#new-name").value = "";
  await selectResident(result.body.userId);
});
$("#picker-ok").addEventListener("click", confirmPicker);
$("#picker-cancel").addEventListener("click", hidePicker);

loadResidents().then(() => {
  if (state.residents.length) selectResident(state.residents[0].userId);
});
setInterval(() => { poll().catch(() => {}); }, 700);
