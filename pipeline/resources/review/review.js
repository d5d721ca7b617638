// The review page: cells are inputs; the sums of extraction/checks.py (sent as JSON in #data) are re-checked as
// you type; Tab walks the doubtful cells, Enter accepts one; Save posts a gold file (LABELS.md) with the token.
(function () {
  "use strict";
  const dataEl = document.getElementById("data");
  const data = dataEl ? JSON.parse(dataEl.textContent) : {};
  const token = document.querySelector('meta[name="review-token"]').content;
  const tablesEl = document.getElementById("tables");
  if (!tablesEl) return; // the queue page

  function parse(text) {
    const t = text.trim().replace(/[，,\s]/g, "").replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
    if (t === "") return null;
    if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return undefined; // not a number
    return Number(t);
  }
  function inputs() { return Array.from(tablesEl.querySelectorAll("td.v input")); }
  function status(table) {
    const s = tablesEl.querySelector(`select[data-status="${table}"]`);
    return s ? s.value : "found";
  }
  function template() { return document.getElementById("meta-template").value; }
  function rows(table) {
    const out = {};
    for (const inp of inputs()) {
      const [t, ...rest] = inp.dataset.cell.split(".");
      if (t !== table) continue;
      const col = rest.pop(), row = rest.join(".");
      (out[row] = out[row] || {})[col] = parse(inp.value);
    }
    return out;
  }
  function recheck() {
    const failing = [];
    tablesEl.querySelectorAll("td.fail").forEach((td) => td.classList.remove("fail"));
    for (const inp of inputs()) inp.parentElement.classList.toggle("bad", parse(inp.value) === undefined);
    const eqs = data.rules.equations[template()];
    for (const table of Object.keys(eqs)) {
      if (status(table) !== "found") continue;
      const r = rows(table);
      const sum = (cells) => {
        let s = 0;
        for (const [row, col] of cells) {
          const v = (r[row] || {})[col];
          if (v === null || v === undefined) return null;
          s += v;
        }
        return s;
      };
      for (const [rule, a, b] of eqs[table]) {
        const x = sum(a), y = sum(b);
        if (x === null || y === null || Math.abs(x - y) < 1e-9) continue;
        failing.push(`${rule} (${a[0][0]}.${a[0][1]}…): expected ${x}, found ${y}`);
        for (const [row, col] of a.concat(b)) {
          const td = tablesEl.querySelector(`td[data-cell="${table}.${row}.${col}"]`);
          if (td) td.classList.add("fail");
        }
      }
    }
    const live = document.getElementById("live");
    live.textContent = failing.length ? `${failing.length} sum(s) do not hold: ${failing.slice(0, 4).join("; ")}${failing.length > 4 ? " …" : ""}` : "all sums hold";
    live.dataset.failing = String(failing.length);
  }
  function doubtful() {
    return inputs().filter((i) => i.parentElement.classList.contains("doubt") && !i.parentElement.classList.contains("accepted"));
  }
  function focusNext(from, step) {
    const list = doubtful();
    if (!list.length) return false;
    const all = inputs();
    const pos = all.indexOf(from);
    let target = list.find((i) => all.indexOf(i) > pos);
    if (step < 0) target = list.slice().reverse().find((i) => all.indexOf(i) < pos);
    target = target || (step < 0 ? list[list.length - 1] : list[0]);
    target.focus();
    target.select();
    return true;
  }
  function wire() {
    for (const inp of inputs()) {
      inp.addEventListener("input", recheck);
      inp.addEventListener("keydown", (e) => {
        if (e.key === "Tab" && !e.ctrlKey && !e.altKey) {
          if (focusNext(inp, e.shiftKey ? -1 : 1)) e.preventDefault();
        } else if (e.key === "Enter") {
          e.preventDefault();
          inp.parentElement.classList.add("accepted");
          inp.parentElement.classList.remove("doubt");
          recheck();
          focusNext(inp, 1);
        }
      });
    }
    tablesEl.querySelectorAll("select[data-status]").forEach((s) => s.addEventListener("change", recheck));
  }
  async function switchTemplate() {
    const keep = {};
    for (const inp of inputs()) keep[inp.dataset.cell] = inp.value;
    const st = {};
    tablesEl.querySelectorAll("select[data-status]").forEach((s) => (st[s.dataset.status] = s.value));
    const resp = await fetch(`/api/tables/${encodeURIComponent(data.name)}?template=${template()}`);
    tablesEl.innerHTML = await resp.text();
    for (const inp of inputs()) if (inp.dataset.cell in keep) inp.value = keep[inp.dataset.cell];
    tablesEl.querySelectorAll("select[data-status]").forEach((s) => { if (st[s.dataset.status]) s.value = st[s.dataset.status]; });
    wire();
    recheck();
  }
  function gold() {
    const sections = [1, 2, 3, 4, 5, 6].map((id) => {
      const s = { id };
      for (const key of ["heading", "start", "end"]) {
        const el = document.querySelector(`input[data-section="${id}"][data-key="${key}"]`);
        s[key] = el && el.value.trim() ? el.value.trim() : null;
      }
      return s;
    });
    const tables = {};
    for (const table of ["active_disclosure", "requests", "review_litigation"]) {
      tables[table] = status(table) === "found"
        ? { status: "found", rows: rows(table), extra_rows: data.extra_rows[table] || [] }
        : { status: "missing" };
    }
    const year = parse(document.getElementById("meta-year").value);
    // a cell left empty here is unreadable in the document (the page says so): listed, as validate-labels asks
    const unreadable = [];
    for (const [table, t] of Object.entries(tables))
      for (const [row, cols] of Object.entries(t.rows || {}))
        for (const [col, v] of Object.entries(cols)) if (v === null) unreadable.push(`${table}.${row}.${col}`);
    return {
      document: data.document,
      meta: { body: document.getElementById("meta-body").value.trim() || null, year: year === undefined ? null : year, template: template() },
      sections, tables, unreadable,
    };
  }
  async function save() {
    const box = document.getElementById("status");
    const bad = inputs().filter((i) => parse(i.value) === undefined);
    if (bad.length) {
      box.className = "error";
      box.textContent = `${bad.length} cell(s) hold something that is not a number (${bad[0].dataset.cell}); fix them first`;
      bad[0].focus();
      return;
    }
    box.className = "";
    box.textContent = "saving…";
    const resp = await fetch(`/api/save/${encodeURIComponent(data.name)}`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-Review-Token": token },
      body: JSON.stringify(gold()),
    });
    let out = {};
    try { out = await resp.json(); } catch (e) { out = { errors: [`HTTP ${resp.status}`] }; }
    if (resp.ok) {
      box.className = "ok";
      box.textContent = `saved ${out.written} (${out.fold_note}). ${out.retrain}.` +
        (out.warnings.length ? ` Warnings: ${out.warnings.join(" | ")}` : "");
    } else {
      box.className = "error";
      box.textContent = `not saved: ${(out.errors || []).join(" | ")}`;
    }
  }
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("meta-template").addEventListener("change", switchTemplate);
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); save(); }
  });
  // the PDF page: its ruled cells outlined
  const pageSel = document.getElementById("page");
  async function showPage() {
    const n = pageSel.value;
    const img = document.getElementById("pageimg");
    const box = document.getElementById("pagebox");
    box.querySelectorAll(".box").forEach((b) => b.remove());
    img.src = `/page/${encodeURIComponent(data.name)}/${n}.png`;
    const resp = await fetch(`/page/${encodeURIComponent(data.name)}/${n}/boxes`);
    if (!resp.ok) return;
    const boxes = await resp.json();
    document.getElementById("boxnote").textContent = boxes.note;
    for (const [x0, y0, x1, y1] of boxes.cells) {
      const d = document.createElement("div");
      d.className = "box";
      Object.assign(d.style, { left: `${x0 * 100}%`, top: `${y0 * 100}%`, width: `${(x1 - x0) * 100}%`, height: `${(y1 - y0) * 100}%` });
      box.appendChild(d);
    }
  }
  if (pageSel) { pageSel.addEventListener("change", showPage); showPage(); }
  wire();
  recheck();
  const first = doubtful()[0];
  if (first) first.focus();
})();
