// Sagaline's console: state machines, executions, orders and queues, read through the public APIs
// only (api.js), so that it can be pointed at any endpoint that speaks them.
import { api, ApiError, invoke, saveSettings, settings, sfn, sqs, traces } from './api.js';
import { render } from './graph.js';

const main = document.querySelector('main');
const $ = (html) => { const t = document.createElement('template'); t.innerHTML = html.trim(); return t.content.firstElementChild; };
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const when = (seconds) => (seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
const badge = (status) => `<span class="badge status-${esc(status)}">${esc(status)}</span>`;
const link = (hash, text) => `<a href="#${esc(hash)}">${esc(text)}</a>`;
const machineName = (arn) => arn.split(':')[6];

/** Every page of a paged Step Functions listing (`field` of each answer), up to `limit` items. */
async function pages(operation, request, field, limit = 1000) {
  const items = [];
  let nextToken;
  do {
    const page = await sfn(operation, { ...request, ...(nextToken ? { nextToken } : {}) });
    items.push(...(page[field] || []));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items.slice(0, limit);
}

const history = (executionArn) => pages('GetExecutionHistory', { executionArn, maxResults: 1000 }, 'events', 25_000);

function failed(error) {
  main.replaceChildren($(`<section class="error" role="alert"><h2>Something went wrong</h2><p>${esc(error.message)}</p></section>`));
}

// ---------------------------------------------------------------- executions
async function executionsPage(query) {
  const machines = (await sfn('ListStateMachines', {})).stateMachines || [];
  const machine = query.get('machine') || '';
  const status = query.get('status') || '';
  const since = query.get('since') || '';
  const page = $(`<section><h2>Executions</h2>
    <form class="filters" id="filters">
      <label>Machine <select name="machine"><option value="">all</option>${machines.map(m =>
        `<option value="${esc(m.stateMachineArn)}" ${m.stateMachineArn === machine ? 'selected' : ''}>${esc(m.name)}</option>`).join('')}</select></label>
      <label>Status <select name="status"><option value="">any</option>${['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']
        .map(s => `<option ${s === status ? 'selected' : ''}>${s}</option>`).join('')}</select></label>
      <label>Started since <input type="datetime-local" name="since" value="${esc(since)}"></label>
      <button type="submit">Show</button>
    </form><table class="executions"><thead><tr><th>Execution</th><th>Machine</th><th>Status</th><th>Started</th><th>Stopped</th></tr></thead><tbody></tbody></table></section>`);
  page.querySelector('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    location.hash = '/executions?' + new URLSearchParams([...f.entries()].filter(([, v]) => v)).toString();
  });
  main.replaceChildren(page);
  const arns = machine ? [machine] : machines.map(m => m.stateMachineArn);
  const lists = await Promise.all(arns.map(arn => pages('ListExecutions',
    { stateMachineArn: arn, maxResults: 100, ...(status ? { statusFilter: status } : {}) }, 'executions')));
  const from = since ? new Date(since + 'Z').getTime() / 1000 : 0;
  const rows = lists.flat().filter(e => e.startDate >= from)
    .sort((a, b) => b.startDate - a.startDate);
  page.querySelector('tbody').replaceChildren(...rows.map(e => $(`<tr data-execution="${esc(e.executionArn)}">
    <td>${link('/execution/' + encodeURIComponent(e.executionArn), e.name)}</td><td>${esc(machineName(e.stateMachineArn))}</td>
    <td>${badge(e.status)}</td><td>${when(e.startDate)}</td><td>${when(e.stopDate)}</td></tr>`)));
  if (!rows.length) page.querySelector('tbody').append($('<tr><td colspan="5" class="empty">No executions</td></tr>'));
}

/**
 * What each state of an execution did, from its history: succeeded, failed (its error caught or
 * not), retried (it failed, then succeeded on a later attempt), running; a Task run after a Catch
 * is a compensation. Returns {outcomes, notes, failures}.
 */
export function outcomes(history, status) {
  const result = {}, notes = {}, attempts = {}, failures = [];
  let current = null, compensating = false;
  for (const e of history) {
    const entered = e.stateEnteredEventDetails, exited = e.stateExitedEventDetails;
    if (entered) {
      current = entered.name;
      attempts[current] = 0;
      result[current] = compensating && e.type === 'TaskStateEntered' ? 'compensation' : 'running';
    } else if (e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled') {
      attempts[current] = (attempts[current] || 0) + 1;
    } else if (/(LambdaFunction|Task)(Failed|TimedOut)$/.test(e.type) || e.type === 'ExecutionFailed') {
      const details = Object.values(e).find(v => v && typeof v === 'object' && 'error' in v) || {};
      if (current) {
        result[current] = 'failed';
        notes[current] = details.error ? details.error.split('.').pop() : e.type;
        failures.push({ state: current, error: details.error, cause: details.cause });
      }
    } else if (/(LambdaFunction|Task)Succeeded$/.test(e.type) && current) {
      if (result[current] === 'failed') result[current] = 'retried';
    } else if (exited && current === exited.name) {
      if (result[current] === 'failed') {
        result[current] = 'caught';
        compensating = true;
      } else if (result[current] === 'running') {
        result[current] = 'succeeded';
      }
      if (attempts[current] > 1 && result[current] !== 'caught') {
        result[current] = result[current] === 'compensation' ? 'compensation' : 'retried';
        notes[current] = `${attempts[current]} attempts`;
      }
      current = null;
    }
  }
  if (current && status !== 'RUNNING' && result[current] === 'running') result[current] = 'failed';
  return { outcomes: result, notes, failures };
}

/** An execution, its events, its machine's definition, each state's outcome, and its trace (or null). */
async function saga(arn) {
  const [execution, events, machine] = await Promise.all([
    sfn('DescribeExecution', { executionArn: arn }),
    history(arn),
    sfn('DescribeStateMachineForExecution', { executionArn: arn }).catch(() => null),
  ]);
  const definition = JSON.parse((machine || await sfn('DescribeStateMachine',
    { stateMachineArn: execution.stateMachineArn })).definition);
  const found = outcomes(events, execution.status);
  const trace = await traceOf(execution.traceHeader);
  markCompensated(definition, found, trace);
  return { execution, events, definition, found, trace };
}

async function executionPage(arn) {
  const { execution, events, definition, found, trace } = await saga(arn);
  const page = $(`<section class="execution"><h2>${esc(execution.name)} ${badge(execution.status)}</h2>
    <dl class="facts"><dt>Machine</dt><dd>${esc(machineName(execution.stateMachineArn))}</dd>
      <dt>Started</dt><dd>${when(execution.startDate)}</dd><dt>Stopped</dt><dd>${when(execution.stopDate) || '—'}</dd>
      ${execution.error ? `<dt>Error</dt><dd class="error-text">${esc(execution.error)}</dd>` : ''}
      ${execution.cause ? `<dt>Cause</dt><dd class="error-text">${esc(execution.cause)}</dd>` : ''}
      <dt>Redrives</dt><dd>${Number(execution.redriveCount) || 0}</dd></dl>
    <div class="actions"><button id="stop" ${execution.status === 'RUNNING' ? '' : 'disabled'}>Stop</button>
      <button id="redrive" ${execution.redriveStatus === 'REDRIVABLE' ? '' : 'disabled'}>Redrive</button>
      <span id="action-result" role="status"></span></div>
    ${found.failures.length ? `<section class="why"><h3>Why</h3><ul>${found.failures.map(f =>
      `<li><b>${esc(f.state)}</b>: ${esc(f.error)}${f.cause ? ` — ${esc(cause(f.cause))}` : ''}</li>`).join('')}</ul></section>` : ''}
    <div class="graph-box"></div>${legend()}
    <h3>Events</h3><ol class="timeline"></ol>
    ${trace ? '<h3>Trace</h3><div class="trace"></div>' : ''}</section>`);
  page.querySelector('.graph-box').append(render(definition, found.outcomes, found.notes));
  const start = events.length ? Date.parse(new Date(events[0].timestamp * 1000)) : 0;
  page.querySelector('.timeline').replaceChildren(...events.map(e => timelineItem(e, start)));
  if (trace) page.querySelector('.trace').append(waterfall(trace));
  page.querySelector('#stop').addEventListener('click', () => act(() => sfn('StopExecution',
    { executionArn: arn, error: 'Console.Stopped', cause: 'stopped from the console' }), 'stopped'));
  page.querySelector('#redrive').addEventListener('click', () => act(() => sfn('RedriveExecution', { executionArn: arn }),
    'redriven'));
  main.replaceChildren(page);
}

function cause(text) {
  try {
    const c = JSON.parse(text);
    return c.errorMessage || text;
  } catch {
    return text;
  }
}

async function act(call, done) {
  const result = document.querySelector('#action-result');
  try {
    await call();
    result.textContent = done;
    setTimeout(route, 300);
  } catch (e) {
    result.textContent = e.message;
    result.classList.add('error-text');
  }
}

function legend() {
  return `<p class="legend">${['succeeded', 'retried', 'failed', 'caught', 'compensation', 'compensated', 'running', 'none']
    .map(o => `<span class="key state-${o}">${o === 'none' ? 'not run' : o}</span>`).join(' ')}</p>`;
}

function timelineItem(e, start) {
  const details = Object.entries(e).find(([k, v]) => k.endsWith('EventDetails') && v)?.[1] || {};
  const at = e.timestamp * 1000 - start;
  const item = $(`<li class="event event-${esc(e.type)}"><span class="at">+${at.toFixed(0)} ms</span>
    <span class="type">${esc(e.type)}</span> <span class="name">${esc(details.name || details.resource || '')}</span></li>`);
  const payload = details.input ?? details.output ?? details.cause ?? details.error;
  if (payload !== undefined) {
    const d = $('<details><summary>details</summary><pre></pre></details>');
    d.querySelector('pre').textContent = pretty(details);
    item.append(d);
  }
  return item;
}

function pretty(details) {
  const copy = { ...details };
  for (const k of ['input', 'output', 'cause']) {
    if (typeof copy[k] === 'string') {
      try { copy[k] = JSON.parse(copy[k]); } catch { /* not JSON */ }
    }
  }
  return JSON.stringify(copy, null, 2);
}

/** A state whose work a later step undid (the step's span says which, sagaline.compensates) is compensated. */
function markCompensated(definition, found, trace) {
  if (!trace) return;
  const undone = new Set(trace.segments.map(s => s.annotations?.sagaline_compensates).filter(Boolean));
  for (const [name, state] of Object.entries(definition.States)) {
    const fn = String(state.Resource || '').split(':').pop();
    if (state.Type === 'Task' && undone.has(fn) && ['succeeded', 'retried'].includes(found.outcomes[name])) {
      found.outcomes[name] = 'compensated';
    }
  }
}

// ---------------------------------------------------------------- traces
/** The trace an X-Ray header names, as its segments (flat, each with its parent), or null. */
async function traceOf(traceHeader) {
  const root = /Root=([^;]+)/.exec(traceHeader || '')?.[1];
  if (!root) return null;
  const [trace] = await traces([root]).catch(() => []);
  if (!trace) return null;
  return { id: root, segments: trace.Segments.map(s => JSON.parse(s.Document)) };
}

function waterfall(trace) {
  const byParent = {};
  trace.segments.forEach(s => (byParent[s.parent_id || ''] ||= []).push(s));
  const ids = new Set(trace.segments.map(s => s.id));
  const roots = trace.segments.filter(s => !s.parent_id || !ids.has(s.parent_id));
  const start = Math.min(...trace.segments.map(s => s.start_time));
  const end = Math.max(...trace.segments.map(s => s.end_time || s.start_time));
  const span = Math.max(end - start, 0.001);
  const list = $(`<ol class="waterfall" data-trace="${esc(trace.id)}"></ol>`);
  const add = (s, depth) => {
    const left = ((s.start_time - start) / span) * 100;
    const width = Math.max((((s.end_time || s.start_time) - s.start_time) / span) * 100, 0.3);
    const ms = (((s.end_time || s.start_time) - s.start_time) * 1000).toFixed(1);
    list.append($(`<li class="segment ${s.error || s.fault ? 'segment-error' : ''}" data-name="${esc(s.name)}" style="--depth:${depth}">
      <span class="label" title="${esc(JSON.stringify(s.annotations || {}))}">${esc(s.name)}</span>
      <span class="bar-box"><span class="bar" style="left:${left}%;width:${width}%"></span></span><span class="ms">${ms} ms</span></li>`));
    (byParent[s.id] || []).sort((a, b) => a.start_time - b.start_time).forEach(c => add(c, depth + 1));
  };
  roots.sort((a, b) => a.start_time - b.start_time).forEach(r => add(r, 0));
  return list;
}

// ---------------------------------------------------------------- machines
async function machinesPage() {
  const machines = (await sfn('ListStateMachines', {})).stateMachines || [];
  main.replaceChildren($(`<section><h2>State machines</h2><ul class="machines">${machines.map(m =>
    `<li>${link('/machine/' + encodeURIComponent(m.stateMachineArn), m.name)} <span class="muted">${esc(m.type)}</span>
     ${link('/executions?machine=' + encodeURIComponent(m.stateMachineArn), 'executions')}</li>`).join('')}</ul></section>`));
}

async function machinePage(arn) {
  const machine = await sfn('DescribeStateMachine', { stateMachineArn: arn });
  const page = $(`<section><h2>${esc(machine.name)}</h2><p class="muted">${esc(machine.description || '')}</p>
    <div class="graph-box"></div></section>`);
  page.querySelector('.graph-box').append(render(JSON.parse(machine.definition)));
  main.replaceChildren(page);
}

// ---------------------------------------------------------------- orders
async function orderPage(id) {
  const form = $(`<form class="filters" id="find-order"><label>Order <input name="order" size="40" value="${esc(id || '')}"
    placeholder="an order's id"></label><button type="submit">Open</button></form>`);
  form.addEventListener('submit', (e) => { e.preventDefault(); location.hash = '/order/' + new FormData(form).get('order').trim(); });
  if (!id) {
    main.replaceChildren($('<section><h2>Orders</h2></section>'));
    main.firstElementChild.append(form);
    return;
  }
  const order = await api('/orders/' + encodeURIComponent(id));
  if (!order) {
    main.replaceChildren($(`<section><h2>Order ${esc(id)}</h2><p class="empty">No such order for this API key.</p></section>`));
    main.firstElementChild.append(form);
    return;
  }
  const [events, invoice] = await Promise.all([api(`/orders/${id}/events`), api(`/orders/${id}/invoice`)]);
  const page = $(`<section class="order"><h2>Order ${esc(order.orderId)} ${badge(order.status)}</h2>
    <dl class="facts"><dt>Customer</dt><dd>${esc(order.customerId)}</dd>
      ${order.rejectionReason ? `<dt>Rejected because</dt><dd class="error-text reason">${esc(order.rejectionReason)}</dd>` : ''}
      <dt>Total</dt><dd>${order.totalCents != null ? (order.totalCents / 100).toFixed(2) : '—'}</dd>
      <dt>Lines</dt><dd>${(order.items || []).map(l => `${esc(l.quantity)} × ${esc(l.sku)}`).join(', ')}</dd></dl>
    <h3>Saga</h3><div class="saga"></div>
    <h3>Events</h3><ol class="order-events">${(events?.events || events || []).map(e =>
      `<li><span class="type">${esc(e.type)}</span> <span class="muted">${esc(e.occurredAt)}</span></li>`).join('')}</ol>
    <h3>Invoice</h3>${invoice ? `<p class="invoice">Invoice ${esc(invoice.number ?? invoice.invoiceNumber)} —
      ${((invoice.totalCents ?? 0) / 100).toFixed(2)}</p>` : '<p class="empty">No invoice</p>'}
    <h3>Messages</h3><ul class="messages"></ul><h3>Trace</h3><div class="trace"></div></section>`);
  page.prepend(form);
  main.replaceChildren(page);
  if (!order.executionId) return;
  const { execution, definition, found, trace } = await saga(order.executionId);
  const box = page.querySelector('.saga');
  box.append($(`<p>${link('/execution/' + encodeURIComponent(execution.executionArn), execution.name)} ${badge(execution.status)}</p>`));
  box.append(render(definition, found.outcomes, found.notes));
  box.append($(legend()));
  if (trace) {
    page.querySelector('.trace').append(waterfall(trace));
    page.querySelector('.messages').replaceChildren(...trace.segments.filter(s => /( publish| process)$/.test(s.name))
      .sort((a, b) => a.start_time - b.start_time)
      .map(s => $(`<li>${esc(s.name)} <span class="muted">${esc(s.annotations?.sagaline_outcome || '')}</span></li>`)));
  }
}

// ---------------------------------------------------------------- queues
async function queuesPage() {
  const urls = (await sqs('ListQueues', {})).QueueUrls || [];
  const queues = await Promise.all(urls.map(async url => ({ url, name: url.split('/').pop(),
    attributes: (await sqs('GetQueueAttributes', { QueueUrl: url, AttributeNames: ['All'] })).Attributes || {} })));
  const byName = Object.fromEntries(queues.map(q => [q.name, q]));
  const sources = queues.filter(q => !q.name.endsWith('-dlq')).sort((a, b) => a.name.localeCompare(b.name));
  const page = $(`<section><h2>Queues</h2><table class="queues"><thead><tr><th>Queue</th><th>Depth</th><th>In flight</th>
    <th>Dead letters</th><th></th></tr></thead><tbody>${sources.map(q => {
      const dlq = byName[q.name + '-dlq'];
      const dead = Number(dlq?.attributes.ApproximateNumberOfMessages || 0);
      return `<tr data-queue="${esc(q.name)}"><td>${esc(q.name)}</td><td class="depth">${esc(q.attributes.ApproximateNumberOfMessages)}</td>
        <td>${esc(q.attributes.ApproximateNumberOfMessagesNotVisible)}</td><td class="dead">${dead}</td>
        <td>${dlq ? `<button class="show" ${dead ? '' : 'disabled'}>Show</button> <button class="redrive" ${dead ? '' : 'disabled'}>Redrive</button>` : ''}</td></tr>`;
    }).join('')}</tbody></table><span id="action-result" role="status"></span><div class="dead-letters"></div></section>`);
  page.querySelectorAll('button.redrive').forEach(b => b.addEventListener('click', () => {
    const queue = b.closest('tr').dataset.queue;
    act(async () => {
      const moved = await invoke('redrive-dead-letters', { queue });
      document.querySelector('#action-result').textContent = `moved ${moved.moved} back to ${queue}`;
    }, 'redriven');
  }));
  page.querySelectorAll('button.show').forEach(b => b.addEventListener('click', async () => {
    const dlq = byName[b.closest('tr').dataset.queue + '-dlq'];
    const received = await sqs('ReceiveMessage', { QueueUrl: dlq.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0,
      MessageAttributeNames: ['All'], AttributeNames: ['All'] });
    page.querySelector('.dead-letters').replaceChildren($(`<div><h3>${esc(dlq.name)}</h3><ol>${(received.Messages || []).map(m =>
      `<li class="dead-letter"><pre>${esc(m.Body)}</pre></li>`).join('')}</ol></div>`));
  }));
  main.replaceChildren(page);
}

// ---------------------------------------------------------------- settings
function settingsPage() {
  const s = settings();
  const page = $(`<section><h2>Settings</h2><p class="muted">Kept in this browser only; the secret access key and the API key for this tab's session only.</p><form id="settings" class="settings">
    ${[['endpoint', 'AWS endpoint (Step Functions, Lambda, SQS, X-Ray)'], ['region', 'Region'], ['accessKeyId', 'Access key id'],
      ['secretAccessKey', 'Secret access key'], ['apiEndpoint', 'Sagaline API'], ['apiKey', 'API key']].map(([k, label]) =>
      `<label>${label} <input name="${k}" value="${esc(s[k])}" ${k === 'secretAccessKey' ? 'type="password"' : ''}></label>`).join('')}
    <button type="submit">Save</button></form></section>`);
  page.querySelector('form').addEventListener('submit', (e) => {
    e.preventDefault();
    saveSettings(Object.fromEntries(new FormData(e.target).entries()));
    location.hash = '/executions';
  });
  main.replaceChildren(page);
}

// ---------------------------------------------------------------- routing
async function route() {
  const [path, query] = (location.hash.slice(1) || '/executions').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query || '');
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.getAttribute('href') === '#/' + parts[0]
    || (parts[0] === 'execution' && a.getAttribute('href') === '#/executions')
    || (parts[0] === 'machine' && a.getAttribute('href') === '#/machines')
    || (parts[0] === 'order' && a.getAttribute('href') === '#/order')));
  main.setAttribute('aria-busy', 'true');
  try {
    switch (parts[0]) {
      case 'execution': await executionPage(decodeURIComponent(parts[1])); break;
      case 'machines': await machinesPage(); break;
      case 'machine': await machinePage(decodeURIComponent(parts[1])); break;
      case 'order': await orderPage(parts[1] && decodeURIComponent(parts[1])); break;
      case 'queues': await queuesPage(); break;
      case 'settings': settingsPage(); break;
      default: await executionsPage(params);
    }
  } catch (e) {
    failed(e instanceof ApiError || e instanceof Error ? e : new Error(String(e)));
  } finally {
    main.setAttribute('aria-busy', 'false');
  }
}

window.addEventListener('hashchange', route);
route();
