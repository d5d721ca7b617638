// The review page. Cells are inputs; the sums of extraction/sums.py (sent as JSON in #data) are re-checked as you
// type. The source pane follows the focused cell (its `where`: page and box, or block and grid position / span).
// Tab walks every control (no keyboard trap); F8 / Alt+N and Shift+F8 / Alt+P jump between doubtful cells; Enter
// accepts a cell and moves on; Alt+PageDown / Alt+PageUp turn the source's pages; Ctrl+S saves a gold file.
(function () {
  "use strict";
  const dataEl = document.getElementById("data");
  const data = dataEl ? JSON.parse(dataEl.textContent) : {};
  const token = document.querySelector('meta[name="review-token"]').content;
  const bar = document.getElementById("topbar") || document.querySelector(".topbar");
  function barHeight() { if (bar) document.documentElement.style.setProperty("--bar", bar.offsetHeight + "px"); }
  barHeight();
  window.addEventListener("resize", barHeight);
  if (bar && window.ResizeObserver) new ResizeObserver(barHeight).observe(bar); // the bar wraps on a narrow screen
  const tablesEl = document.getElementById("tables");
  if (!tablesEl) return; // the queue page

  // ------------------------------------------------------------------ values and sums
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
        failing.push(`${rule}（${a[0][0]}.${a[0][1]}…）：应为 ${x}，实为 ${y}`);
        for (const [row, col] of a.concat(b)) {
          const td = tablesEl.querySelector(`td[data-cell="${table}.${row}.${col}"]`);
          if (td) td.classList.add("fail");
        }
      }
    }
    const live = document.getElementById("live");
    live.textContent = failing.length ? `${failing.length} 项勾稽关系不成立：${failing.slice(0, 3).join("；")}${failing.length > 3 ? " …" : ""}` : "勾稽关系全部成立";
    live.dataset.failing = String(failing.length);
  }

  // ------------------------------------------------------------------ doubtful cells
  function doubtful() {
    return inputs().filter((i) => i.parentElement.classList.contains("doubt") && !i.parentElement.classList.contains("accepted"));
  }
  function countDoubts() {
    const left = doubtful();
    const by = { 1: 0, 2: 0, 3: 0 };
    for (const i of left) for (const k of [1, 2, 3]) if (i.parentElement.classList.contains("d" + k)) by[k] += 1;
    const el = document.getElementById("doubt-count");
    if (!el) return;
    el.dataset.total = String(left.length);
    el.textContent = left.length ? `存疑 ${left.length} 个（无法读取 ${by[1]} · 勾稽不符 ${by[2]} · 把握不足 ${by[3]}）` : "没有待确认的存疑单元格";
  }
  function accept(inp) {
    const td = inp.parentElement;
    if (!td.classList.contains("doubt")) return false;
    td.classList.add("accepted");
    td.classList.remove("doubt", "d1", "d2", "d3");
    inp.setAttribute("aria-label", inp.getAttribute("aria-label").replace(/（存疑：.*?）$/, "（已确认）"));
    return true;
  }
  function jump(step) {
    const list = doubtful();
    if (!list.length) { say("没有剩下的存疑单元格"); return false; }
    const all = inputs();
    const pos = all.indexOf(document.activeElement);
    let target = step > 0 ? list.find((i) => all.indexOf(i) > pos) : list.slice().reverse().find((i) => all.indexOf(i) < pos);
    target = target || (step > 0 ? list[0] : list[list.length - 1]);
    target.focus();
    target.select();
    return true;
  }
  function acceptRest(table) {
    let done = 0, empty = 0;
    for (const inp of doubtful()) {
      if (!inp.dataset.cell.startsWith(table + ".")) continue;
      if (inp.value.trim() === "") { empty += 1; continue; } // an empty cell is a decision of its own
      if (accept(inp)) done += 1;
    }
    const note = tablesEl.querySelector(`button.accept-rest[data-table="${table}"]`).parentElement.querySelector(".tablenote");
    note.textContent = `已确认 ${done} 个` + (empty ? `；${empty} 个空单元格仍待填写数字，或按 Enter 确认报告所印无法读取` : "");
    countDoubts();
  }

  // ------------------------------------------------------------------ the source pane
  const viewer = document.getElementById("viewer");
  const note = document.getElementById("where-note");
  const img = document.getElementById("pageimg");
  const hl = document.getElementById("hl");
  const pageSel = document.getElementById("page");
  const sizes = data.pages || null;
  let page = pageSel ? Number(pageSel.value) : null;
  let zoom = 1, userZoom = false, lastWhere = null;
  function fitZoom() { return sizes && page ? Math.max(0.2, (viewer.clientWidth - 20) / sizes[page - 1][0]) : 1; }
  function setZoom(z, keepCentre) {
    if (!img || !sizes) return;
    const cx = (viewer.scrollLeft + viewer.clientWidth / 2) / zoom, cy = (viewer.scrollTop + viewer.clientHeight / 2) / zoom;
    zoom = Math.min(6, Math.max(0.2, z));
    img.style.width = sizes[page - 1][0] * zoom + "px";
    img.style.height = sizes[page - 1][1] * zoom + "px";
    document.getElementById("zoom-level").textContent = Math.round(zoom * 100 / fitZoom()) + "%";
    if (keepCentre) { viewer.scrollLeft = cx * zoom - viewer.clientWidth / 2; viewer.scrollTop = cy * zoom - viewer.clientHeight / 2; }
    if (lastWhere && lastWhere.page === page && lastWhere.box) outline(lastWhere.box, false);
  }
  function showPage(n, then) {
    if (!img || !sizes || n < 1 || n > sizes.length) return;
    const fresh = n !== page;
    page = n;
    pageSel.value = String(n);
    img.alt = `源文件第 ${n} 页`;
    if (fresh) {
      hl.hidden = true;
      img.src = `/page/${encodeURIComponent(data.name)}/${n}.png`;
    }
    if (!userZoom || fresh) setZoom(userZoom ? zoom : fitZoom());
    if (then) { if (img.complete && !fresh) then(); else img.addEventListener("load", then, { once: true }); }
  }
  function outline(box, scroll) {
    const [x0, y0, x1, y1] = box;
    Object.assign(hl.style, { left: x0 * zoom - 3 + "px", top: y0 * zoom - 3 + "px", width: (x1 - x0) * zoom + 6 + "px", height: (y1 - y0) * zoom + 6 + "px" });
    hl.hidden = false;
    if (scroll) {
      const canvas = document.getElementById("canvas");
      viewer.scrollLeft = canvas.offsetLeft + ((x0 + x1) / 2) * zoom - viewer.clientWidth / 2;
      viewer.scrollTop = canvas.offsetTop + ((y0 + y1) / 2) * zoom - viewer.clientHeight / 2;
    }
  }
  function zoomToBox(box) {
    const w = Math.max((box[2] - box[0]) * 6, 380); // the cell and its neighbours: enough to see which row it is
    if (!userZoom) setZoom(Math.max(fitZoom(), Math.min(4, (viewer.clientWidth - 20) / w)));
    outline(box, true);
  }
  function centreIn(el) {
    const v = viewer.getBoundingClientRect(), r = el.getBoundingClientRect();
    viewer.scrollTop += r.top - v.top - (v.height - r.height) / 2;
    viewer.scrollLeft += r.left - v.left - (v.width - r.width) / 2;
  }
  const original = new WeakMap();
  function clearDocumentMarks() {
    viewer.querySelectorAll("td.src-hl").forEach((td) => td.classList.remove("src-hl"));
    viewer.querySelectorAll("p.srctext").forEach((p) => { if (original.has(p)) { p.textContent = original.get(p); original.delete(p); } });
  }
  function describe(w) {
    if (!w) return "没有印出的位置（该行在源文件中未找到）";
    const parts = [];
    if (w.page) parts.push(`第 ${w.page} 页`);
    if (w.box) parts.push(`框 [${w.box.map((v) => Math.round(v)).join(", ")}] pt`);
    if (w.grid) parts.push(`第 ${w.block} 块表格第 ${w.grid[0] + 1} 行第 ${w.grid[1] + 1} 列`);
    else if (w.span) parts.push(`第 ${w.block} 块文字第 ${w.span[0] + 1}–${w.span[1]} 字`);
    else if (w.block !== undefined) parts.push(`第 ${w.block} 块`);
    return parts.join("，");
  }
  function follow(inp) {
    const name = inp.dataset.cell;
    const w = data.where[name];
    lastWhere = w || null;
    tablesEl.querySelectorAll("td.current").forEach((td) => td.classList.remove("current"));
    inp.parentElement.classList.add("current");
    const why = (data.doubts[name] || [0, []])[1];
    note.textContent = `${inp.getAttribute("aria-label").replace(/（.*?）$/, "")}：${describe(w)}` + (why.length ? `。${why.join("；")}` : "");
    if (sizes) {
      if (!w || !w.page) { hl.hidden = true; return; }
      showPage(w.page, () => { if (w.box) zoomToBox(w.box); else { hl.hidden = true; } });
      return;
    }
    clearDocumentMarks();
    if (!w) return;
    if (w.grid) {
      const td = viewer.querySelector(`table[data-block="${w.block}"] td[data-grid="${w.grid[0]},${w.grid[1]}"]`);
      if (td) { td.classList.add("src-hl"); centreIn(td); }
    } else if (w.span) {
      const p = viewer.querySelector(`p.srctext[data-block="${w.block}"]`);
      if (p) {
        const text = p.textContent;
        original.set(p, text);
        const mark = document.createElement("mark");
        mark.className = "src-hl";
        mark.textContent = text.slice(w.span[0], w.span[1]);
        p.textContent = "";
        p.append(text.slice(0, w.span[0]), mark, text.slice(w.span[1]));
        centreIn(mark);
      }
    }
  }
  if (img && sizes) {
    pageSel.addEventListener("change", () => showPage(Number(pageSel.value)));
    document.getElementById("prev-page").addEventListener("click", () => showPage(page - 1));
    document.getElementById("next-page").addEventListener("click", () => showPage(page + 1));
    document.getElementById("zoom-in").addEventListener("click", () => { userZoom = true; setZoom(zoom * 1.25, true); });
    document.getElementById("zoom-out").addEventListener("click", () => { userZoom = true; setZoom(zoom / 1.25, true); });
    document.getElementById("zoom-fit").addEventListener("click", () => { userZoom = true; setZoom(fitZoom()); hl.hidden = true; });
    document.getElementById("zoom-cell").addEventListener("click", () => {
      userZoom = false;
      if (lastWhere && lastWhere.box) showPage(lastWhere.page, () => zoomToBox(lastWhere.box));
    });
    viewer.addEventListener("keydown", (e) => {
      if (e.key === "+" || e.key === "=") { userZoom = true; setZoom(zoom * 1.25, true); e.preventDefault(); }
      else if (e.key === "-") { userZoom = true; setZoom(zoom / 1.25, true); e.preventDefault(); }
      else if (e.key === "0") { userZoom = true; setZoom(fitZoom()); e.preventDefault(); }
    });
    viewer.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      userZoom = true;
      setZoom(zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15), true);
    }, { passive: false });
    let drag = null;
    viewer.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, left: viewer.scrollLeft, top: viewer.scrollTop };
      viewer.setPointerCapture(e.pointerId);
      viewer.classList.add("dragging");
    });
    viewer.addEventListener("pointermove", (e) => {
      if (!drag) return;
      viewer.scrollLeft = drag.left - (e.clientX - drag.x);
      viewer.scrollTop = drag.top - (e.clientY - drag.y);
    });
    const stop = () => { drag = null; viewer.classList.remove("dragging"); };
    viewer.addEventListener("pointerup", stop);
    viewer.addEventListener("pointercancel", stop);
    img.addEventListener("dragstart", (e) => e.preventDefault());
    if (img.complete) setZoom(fitZoom()); else img.addEventListener("load", () => { if (!lastWhere) setZoom(fitZoom()); }, { once: true });
    window.addEventListener("resize", () => { if (!userZoom && lastWhere && lastWhere.box) zoomToBox(lastWhere.box); });
  }

  // ------------------------------------------------------------------ keyboard and events (delegated: the tables are replaced when the template changes)
  // a focused control is never left under the sticky bar or, on a narrow screen, under the source pane above it
  const pane = document.querySelector(".source-pane");
  function unobscure(el) {
    let top = bar ? bar.getBoundingClientRect().bottom : 0;
    if (pane) {
      const p = pane.getBoundingClientRect();
      if (p.width > window.innerWidth * 0.9 && p.top <= top + 2) top = Math.max(top, p.bottom); // stacked above
    }
    const r = el.getBoundingClientRect();
    if (r.top < top + 6) window.scrollBy(0, r.top - top - 40);
    else if (r.bottom > window.innerHeight - 6) window.scrollBy(0, r.bottom - window.innerHeight + 40);
  }
  document.addEventListener("focusin", (e) => { if (!viewer.contains(e.target)) unobscure(e.target); });
  tablesEl.addEventListener("focusin", (e) => { if (e.target.matches("td.v input")) follow(e.target); });
  tablesEl.addEventListener("input", (e) => { if (e.target.matches("td.v input")) recheck(); });
  tablesEl.addEventListener("change", (e) => { if (e.target.matches("select[data-status]")) recheck(); });
  tablesEl.addEventListener("click", (e) => { if (e.target.matches("button.accept-rest")) acceptRest(e.target.dataset.table); });
  tablesEl.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.matches("td.v input")) {
      e.preventDefault();
      accept(e.target);
      recheck();
      countDoubts();
      jump(1);
    }
  });
  function say(text) { const s = document.getElementById("status"); s.className = ""; s.textContent = text; }
  document.addEventListener("keydown", (e) => {
    const k = e.key;
    if ((e.ctrlKey || e.metaKey) && (k === "s" || k === "S")) { e.preventDefault(); save(); }
    else if (k === "F8" || (e.altKey && (k === "n" || k === "N" || k === "p" || k === "P"))) {
      e.preventDefault();
      jump(k === "F8" ? (e.shiftKey ? -1 : 1) : (k === "n" || k === "N" ? 1 : -1));
    } else if (e.altKey && (k === "PageDown" || k === "PageUp") && sizes) {
      e.preventDefault();
      showPage(page + (k === "PageDown" ? 1 : -1));
    }
  });

  async function switchTemplate() {
    const keep = {};
    for (const inp of inputs()) keep[inp.dataset.cell] = inp.value;
    const st = {};
    tablesEl.querySelectorAll("select[data-status]").forEach((s) => (st[s.dataset.status] = s.value));
    const resp = await fetch(`/api/tables/${encodeURIComponent(data.name)}?template=${template()}`);
    tablesEl.innerHTML = await resp.text();
    for (const inp of inputs()) if (inp.dataset.cell in keep) inp.value = keep[inp.dataset.cell];
    tablesEl.querySelectorAll("select[data-status]").forEach((s) => { if (st[s.dataset.status]) s.value = st[s.dataset.status]; });
    recheck();
    countDoubts();
  }

  // ------------------------------------------------------------------ saving
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
      box.textContent = `${bad.length} 个单元格不是数字（${bad[0].getAttribute("aria-label")}）：请先改正`;
      bad[0].focus();
      return;
    }
    box.className = "";
    box.textContent = "正在保存…";
    const resp = await fetch(`/api/save/${encodeURIComponent(data.name)}`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-Review-Token": token },
      body: JSON.stringify(gold()),
    });
    let out = {};
    try { out = await resp.json(); } catch (e) { out = { errors: [`HTTP ${resp.status}`] }; }
    if (resp.ok) {
      box.className = "ok";
      box.textContent = `已保存 ${out.written}（${out.fold_note}）。${out.retrain}。` +
        (out.warnings.length ? ` 提示：${out.warnings.join(" | ")}` : "");
      if (data.next) {
        const a = document.createElement("a");
        a.href = `/report/${encodeURIComponent(data.next)}`;
        a.textContent = `下一份待核对：${data.next}`;
        box.append(" ", a);
      }
    } else {
      box.className = "error";
      box.textContent = `未保存：${(out.errors || []).join(" | ")}`;
    }
  }
  document.getElementById("save").addEventListener("click", save);
  const saveBottom = document.getElementById("save-bottom");
  if (saveBottom) saveBottom.addEventListener("click", save);
  document.getElementById("meta-template").addEventListener("change", switchTemplate);

  recheck();
  countDoubts();
  const first = doubtful()[0] || inputs()[0];
  if (first) first.focus({ preventScroll: false });
})();
