// The sandbox console: renders each snapshot the server sends. Every value
// from the world goes in as text; only the server-rendered chart (SVG with
// its text escaped) goes in as markup.
"use strict";

const base = "/_sandbox/console";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows, attrs) {
  return el("table", attrs,
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

function clock(t) {
  const d = new Date(t);
  return isNaN(d) ? "" : d.toLocaleTimeString([], { hour12: false });
}

function short(rev) {
  return rev ? rev.slice(0, 12) : "(none)";
}

function empty(text) {
  return el("p", { class: "empty" }, text);
}

function renderTiers(tiers) {
  if (!tiers.length) return [empty("No droplets.")];
  return tiers.map((t) => {
    const legend = el("ul", { class: "legend" }, t.revisions.map((r) =>
      el("li", { "data-revision": r.revision, "data-now": r.now, "data-peak": r.peak },
        el("span", { class: "swatch", "data-color": r.color }),
        el("span", { class: "rev" }, short(r.revision)),
        el("span", { class: "count" }, `now ${r.now}`),
        el("span", { class: "peak" }, `peak ${r.peak}`))));
    const chart = el("div", { class: "chart-box" });
    chart.innerHTML = t.chart;
    const rows = t.droplets.map((d) => el("tr", { "data-droplet-id": d.id, class: d.draining ? "draining" : null },
      el("td", {}, d.id), el("td", {}, d.name),
      el("td", { class: `st st-${d.status}` }, d.status + (d.killed ? " (killed)" : "") + (d.fails_health ? " (fails health)" : "")),
      el("td", { class: "mono", title: d.revision }, short(d.revision)),
      el("td", {}, d.draining ? "draining" : ""),
      el("td", {}, d.image), el("td", {}, d.size), el("td", { class: "mono" }, d.address), el("td", { class: "mono" }, d.private_address)));
    const name = t.name || "(no tier)";
    return el("article", { class: "card tier", "data-tier": t.name },
      el("h3", {}, name, el("span", { class: "sub" }, ` ${t.droplets.length} droplet${t.droplets.length === 1 ? "" : "s"}`)),
      el("div", { class: "rollout" }, chart, legend),
      t.droplets.length ? table(["ID", "Name", "Status", "Revision", "Drain", "Image", "Size", "Address", "Private"], rows, { class: "droplets" }) : empty("No droplets now."));
  });
}

function renderLBs(lbs) {
  if (!lbs.length) return [empty("No load balancers.")];
  return lbs.map((lb) => {
    const hc = lb.health_check;
    const rules = lb.forwarding_rules.map((r) =>
      `${r.entry_protocol}:${r.entry_port} → ${r.target_protocol}:${r.target_port}${r.certificate ? ` (${r.certificate})` : ""}${r.tls_passthrough ? " (passthrough)" : ""}`).join(", ");
    const rows = lb.targets.map((t) => el("tr", { "data-target": t.droplet_id, class: t.healthy ? "healthy" : "unhealthy" },
      el("td", {}, t.droplet_id), el("td", {}, t.name),
      el("td", { class: t.healthy ? "ok" : "bad" }, t.healthy ? "healthy" : "unhealthy"),
      el("td", {}, `${t.passing ? "passing" : "failing"}${t.streak ? ` ×${t.streak}` : ""} since ${clock(t.since)}`),
      el("td", { class: "num" }, t.requests_last_minute === null ? "–" : t.requests_last_minute)));
    return el("article", { class: "card lb", "data-lb": lb.id },
      el("h3", {}, lb.name, el("span", { class: "sub" }, ` ${lb.status} ${lb.ip || ""} ${lb.algorithm}${lb.tag ? ` → tag ${lb.tag}` : ""}`)),
      el("p", {}, "Rules: ", rules || "none"),
      el("p", {}, `Health check: ${hc.protocol}:${hc.port}${hc.path || ""} every ${hc.check_interval_seconds}s, healthy after ${hc.healthy_threshold}, unhealthy after ${hc.unhealthy_threshold}`),
      lb.targets.length ? table(["Droplet", "Name", "Verdict", "Last checks", "Requests, last minute"], rows, { class: "targets" }) : empty("No targets."));
  });
}

function pct(u, k) {
  return u ? `${Math.round(u[k] * 100)}%` : "–";
}

function renderPools(pools) {
  if (!pools.length) return [empty("No autoscale pools.")];
  return pools.map((p) => {
    const size = p.target_number_instances ? `fixed ${p.target_number_instances}` : `${p.min_instances}–${p.max_instances}`;
    const targets = [p.target_cpu_utilization ? `CPU ${Math.round(p.target_cpu_utilization * 100)}%` : "", p.target_memory_utilization ? `memory ${Math.round(p.target_memory_utilization * 100)}%` : ""].filter(Boolean).join(", ");
    const rows = p.members.map((m) => el("tr", { "data-member": m.droplet_id },
      el("td", {}, m.droplet_id), el("td", {}, m.status + (m.retiring ? " (retiring)" : "")),
      el("td", { class: "num" }, pct(m.utilization, "cpu")), el("td", { class: "num" }, pct(m.utilization, "memory"))));
    return el("article", { class: "card pool", "data-pool": p.id },
      el("h3", {}, p.name, el("span", { class: "sub" }, ` ${p.status}, ${size}, desired ${p.desired}${targets ? `, target ${targets}` : ""}`)),
      el("p", {}, `Utilization: CPU ${pct(p.utilization, "cpu")}, memory ${pct(p.utilization, "memory")}`),
      p.members.length ? table(["Droplet", "Status", "CPU", "Memory"], rows, { class: "members" }) : empty("No members."));
  });
}

function renderFaults(faults) {
  if (!faults.length) return [empty("No fault rules.")];
  const rows = faults.map((f) => {
    const effect = [
      f.fail_next ? `fail next ${f.fail_next}` : "", f.error_rate ? `error rate ${f.error_rate}` : "",
      f.status ? `status ${f.status}` : "", f.latency ? `latency ${f.latency}` : "",
      f.after ? `after ${f.after}` : "", f.after_commit ? "after commit" : ""].filter(Boolean).join(", ");
    return el("tr", {}, el("td", { class: "mono" }, f.endpoint), el("td", {}, effect), el("td", { class: "num" }, f.matched), el("td", { class: "num" }, f.failed));
  });
  return [table(["Endpoint", "Effect", "Matched", "Failed"], rows, { class: "faults" })];
}

function renderRequests(reqs) {
  if (!reqs.length) return [empty("No requests yet.")];
  const rows = reqs.map((r) => el("tr", { class: r.status >= 400 ? "failed" : null },
    el("td", {}, clock(r.at)), el("td", {}, r.method), el("td", { class: "mono path" }, r.path),
    el("td", { class: "num" }, r.status), el("td", { class: "num" }, r.latency_ms.toFixed(1)), el("td", { class: "mono" }, r.request_id)));
  return [table(["Time", "Method", "Path", "Status", "ms", "Request id"], rows, { class: "requests" })];
}

function renderSteps(steps) {
  if (!steps.length) return [el("li", { class: "empty" }, "No steps yet.")];
  return steps.map((s) => el("li", {}, el("time", {}, clock(s.at)), " ", s.text));
}

// shown keeps what each section last showed: a section is rebuilt only when
// its data changed, so what a reader selects in a quiet one stays.
const shown = {};

function section(id, data, build) {
  const key = JSON.stringify(data);
  if (shown[id] === key) return;
  shown[id] = key;
  document.getElementById(id).replaceChildren(...build(data));
}

function render(snap) {
  document.getElementById("meta").textContent =
    `time scale ${snap.time_scale} · traffic ${snap.traffic ? "on" : "off"} · charts span ${Math.round(snap.window_seconds)}s · updated ${clock(snap.at)}` +
    (snap.truncated ? ` · ${snap.truncated} objects not shown` : "");
  section("steps", snap.steps, renderSteps);
  section("tiers", snap.tiers, renderTiers);
  section("load-balancers", snap.load_balancers, renderLBs);
  section("pools", snap.pools, renderPools);
  section("faults", snap.faults, renderFaults);
  section("requests", snap.requests, renderRequests);
  for (const s of document.querySelectorAll(".swatch[data-color]")) s.style.setProperty("background", s.dataset.color);
}

function setStatus(text, cls) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.className = `status ${cls}`;
}

function connect() {
  const es = new EventSource(`${base}/events`);
  es.addEventListener("snapshot", (ev) => {
    setStatus("live", "live");
    render(JSON.parse(ev.data));
  });
  es.onerror = async () => {
    setStatus("reconnecting…", "down");
    try {
      const r = await fetch(`${base}/snapshot`, { credentials: "same-origin" });
      if (r.status === 401) {
        es.close();
        location.reload(); // the session is gone: the server asks for the token again
      }
    } catch (_) {
      // the sandbox is down; EventSource retries on its own
    }
  };
}

document.addEventListener("DOMContentLoaded", connect);
