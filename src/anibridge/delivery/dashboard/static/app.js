// anibridge dashboard: live queue updates over server-sent events, and copy buttons. No framework, no
// inline script (the Content-Security-Policy forbids it); every page works without this file too.
"use strict";

function setupCopyButtons() {
  for (const button of document.querySelectorAll("button.copy[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const text = button.getAttribute("data-copy") || "";
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (err) {
        button.textContent = "Copy failed";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
  }
}

function setupLiveQueue() {
  const body = document.getElementById("queue-rows");
  if (!body || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const source = new EventSource(body.getAttribute("data-events"));
  let refreshing = false;

  async function refreshRows() {
    if (refreshing) return;
    refreshing = true;
    try {
      const answer = await fetch(body.getAttribute("data-rows"), { credentials: "same-origin" });
      if (answer.ok) {
        const html = await answer.text();
        const template = document.createElement("template");
        template.innerHTML = html;  // server-rendered and escaped by Jinja
        body.replaceChildren(template.content);
      }
    } finally {
      refreshing = false;
    }
  }

  source.addEventListener("queue", (event) => {
    const data = JSON.parse(event.data);
    const shown = Array.from(body.querySelectorAll("tr[data-key]")).map((tr) => tr.getAttribute("data-key"));
    const keys = data.rows.map((row) => row.key);
    if (shown.join("|") !== keys.join("|")) {
      refreshRows();
      return;
    }
    for (const row of data.rows) {
      const tr = body.querySelector(`tr[data-key="${CSS.escape(row.key)}"]`);
      if (!tr) continue;
      const before = tr.querySelector('[data-field="state"]').textContent;
      for (const field of ["state", "speed", "eta", "size", "message", "path", "hoster"]) {
        const cell = tr.querySelector(`[data-field="${field}"]`);
        if (cell) cell.textContent = row[field];
      }
      tr.querySelector('[data-field="progress"]').textContent = `${row.progress.toFixed(1)} %`;
      tr.querySelector("progress").value = row.progress;
      tr.className = `state-${row.state}`;
      if (before !== row.state) refreshRows();  // the actions that apply change with the state
    }
    if (status) status.textContent = "Progress updates live.";
  });
  source.addEventListener("error", () => {
    if (status) status.textContent = "Live updates paused; retrying…";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupCopyButtons();
  setupLiveQueue();
});
