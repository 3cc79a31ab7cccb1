// Rendering of the chat timeline: LINE message objects (text, flex, template...) as DOM nodes.
// Loaded before chat.js; actions call runAction(), defined there.
"use strict";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// Rendering bot messages
function actionButton(action, className, label) {
  const button = el("button", className, label || (action && action.label) || "…");
  button.type = "button";
  button.addEventListener("click", () => runAction(action));
  return button;
}

function renderFlexNode(node) {
  if (!node || typeof node !== "object") return null;
  let out = null;
  switch (node.type) {
    case "box": {
      out = el("div", "box " + (node.layout || "vertical"));
      for (const child of node.contents || []) {
        const rendered = renderFlexNode(child);
        if (rendered) out.append(rendered);
      }
      break;
    }
    case "text": {
      const text = node.text || (node.contents || []).map((span) => span.text || "").join("");
      out = el("div", "txt", text);
      if (node.weight === "bold") out.style.fontWeight = "700";
      if (node.color) out.style.color = node.color;
      if (node.align) out.style.textAlign = node.align;
      if (["xs", "xxs", "sm"].includes(node.size)) out.style.fontSize = "12px";
      if (["lg", "xl", "xxl", "3xl"].includes(node.size)) out.style.fontSize = "18px";
      break;
    }
    case "button": return actionButton(node.action, "action " + (node.style || "link"));
    case "separator": return el("hr");
    case "image": out = el("div", "img", "🖼 image"); break;
    default: return null;
  }
  if (node.action) {
    out.classList.add("clickable");
    out.addEventListener("click", () => runAction(node.action));
  }
  return out;
}

function renderBubble(bubble) {
  const card = el("div", "flex");
  for (const part of ["header", "hero", "body", "footer"]) {
    const rendered = renderFlexNode(bubble[part]);
    if (!rendered) continue;
    const section = el("div", "flex-section " + part);
    section.append(rendered);
    card.append(section);
  }
  return card;
}

function renderTemplate(template) {
  const columns = template.type === "carousel" ? template.columns || [] : [template];
  const wrap = el("div", columns.length > 1 ? "carousel" : "");
  for (const column of columns) {
    const card = el("div", "flex");
    const section = el("div", "flex-section");
    if (column.title) {
      const title = el("div", "txt", column.title);
      title.style.fontWeight = "700";
      section.append(title);
    }
    if (column.text) section.append(el("div", "txt", column.text));
    for (const action of column.actions || []) section.append(actionButton(action, "action"));
    card.append(section);
    wrap.append(card);
  }
  return wrap;
}

function renderBotMessage(message) {
  switch (message.type) {
    case "text":
    case "textV2": return el("div", "bubble", message.text);
    case "flex": {
      const contents = message.contents || {};
      if (contents.type !== "carousel") return renderBubble(contents);
      const carousel = el("div", "carousel");
      for (const bubble of contents.contents || []) carousel.append(renderBubble(bubble));
      return carousel;
    }
    case "template": return renderTemplate(message.template || {});
    case "image": return el("div", "bubble", "🖼 image: " + (message.originalContentUrl || ""));
    case "sticker": return el("div", "bubble", "(sticker " + message.packageId + "/" + message.stickerId + ")");
    default: return el("div", "bubble", "[" + message.type + "] " + (message.altText || ""));
  }
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderResidentEntry(entry) {
  const notes = { follow: "You added the account as a friend", unfollow: "You blocked the account" };
  let content = null;
  if (entry.kind in notes) return el("div", "note", notes[entry.kind]);
  if (entry.kind === "postback") {
    if (!entry.displayText) {
      const params = entry.postback.params ? " " + JSON.stringify(entry.postback.params) : "";
      return el("div", "note", "postback " + entry.postback.data + params);
    }
    content = el("div", "bubble", entry.displayText);
  } else if (entry.message.type === "image") {
    content = el("img", "photo");
    content.src = "/_emulator/content/" + entry.message.id;
    content.alt = "photo";
  } else if (entry.message.type === "sticker") {
    content = el("div", "bubble", "(sticker)");
  } else {
    content = el("div", "bubble", entry.message.text);
  }
  const row = el("div", "row me");
  if (entry.error) row.append(el("span", "http", "bot unreachable"));
  else if (entry.status && entry.status !== 200) row.append(el("span", "http", "bot HTTP " + entry.status));
  row.append(el("span", "time", clock(entry.at)), content);
  return row;
}
