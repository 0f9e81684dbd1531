// The Files page: plain JavaScript over the API of docs/api.md, no build step. Names from the
// server are only ever put into the page as text (never as HTML).
'use strict';

const PART_BYTES = 16 * 1024 * 1024;     // resumable uploads above this size
const PARALLEL_PARTS = 4;

const state = { token: sessionStorage.getItem('strata-token') || '', volume: '', dir: '/' };
const $ = (id) => document.getElementById(id);

function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

function join(dir, name) {
  return (dir === '/' ? '' : dir) + '/' + name;
}

function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Authorization: 'Bearer ' + state.token, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (!res.ok) {
    let message = res.status + ' ' + res.statusText;
    try { message = (await res.json()).error.message; } catch (e) { /* not JSON */ }
    const error = new Error(message);
    error.status = res.status;
    throw error;
  }
  return res;
}

function say(text, bad = false) {
  $('message').textContent = text;
  $('message').className = bad ? 'bad' : '';
}

function ask(label, value = '', second = null) {
  return new Promise((resolve) => {
    $('ask-label').textContent = label;
    $('ask-input').value = value;
    $('ask-input2').hidden = second === null;
    $('ask-input2').value = second || '';
    $('ask').returnValue = '';
    $('ask').onclose = () => resolve($('ask').returnValue === 'ok'
      ? (second === null ? $('ask-input').value : [$('ask-input').value, $('ask-input2').value])
      : null);
    $('ask').showModal();
    $('ask-input').select();
  });
}

// ---- signing in ----

async function signIn(token) {
  state.token = token;
  const res = await api('GET', '/v1/volumes');
  const { volumes } = await res.json();
  sessionStorage.setItem('strata-token', token);
  const select = $('volume');
  select.replaceChildren(...volumes.map((v) => new Option(v.name, v.name)));
  if (!volumes.length) throw new Error('this token sees no volume');
  state.volume = volumes[0].name;
  state.dir = '/';
  $('login').hidden = true;
  $('files').hidden = false;
  $('who').hidden = false;
  await list();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  try {
    await signIn($('token').value.trim());
  } catch (err) {
    $('login-error').textContent = err.status === 401 ? 'That token is not valid.' : err.message;
  }
});

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem('strata-token');
  location.reload();
});

$('volume').addEventListener('change', () => {
  state.volume = $('volume').value;
  state.dir = '/';
  list();
});

// ---- listing ----

function crumbs() {
  const nav = $('crumbs');
  nav.replaceChildren();
  const parts = state.dir.split('/').filter(Boolean);
  const link = (text, dir) => {
    const a = document.createElement('a');
    a.textContent = text;
    a.addEventListener('click', () => { state.dir = dir; list(); });
    return a;
  };
  nav.append(link(state.volume, '/'));
  parts.forEach((part, i) => {
    const sep = document.createElement('span');
    sep.className = 'sep';
    sep.textContent = '/';
    nav.append(sep, link(part, '/' + parts.slice(0, i + 1).join('/')));
  });
}

function button(text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

async function list() {
  crumbs();
  const rows = $('rows');
  try {
    const res = await api('GET', `/v1/volumes/${state.volume}/files?path=${encodeURIComponent(state.dir)}&limit=10000`);
    const { entries } = await res.json();
    entries.sort((a, b) => (a.type === 'directory') === (b.type === 'directory') ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1);
    rows.replaceChildren(...entries.map((e) => {
      const tr = document.createElement('tr');
      tr.dataset.name = e.name;
      const name = document.createElement('td');
      if (e.type === 'directory') {
        const a = document.createElement('a');
        a.className = 'dir';
        a.textContent = e.name + '/';
        a.addEventListener('click', () => { state.dir = e.path; list(); });
        name.append(a);
      } else {
        name.textContent = e.name + (e.type === 'symlink' ? ' →' : '');
      }
      const size = document.createElement('td');
      size.className = 'num';
      size.textContent = e.type === 'file' ? formatBytes(e.size) : '';
      size.title = e.type === 'file' ? e.size + ' bytes' : '';
      const when = document.createElement('td');
      when.textContent = new Date(e.mtime).toLocaleString();
      const actions = document.createElement('td');
      actions.className = 'actions';
      if (e.type === 'file') actions.append(button('Download', () => download(e)));
      actions.append(button('Rename', () => rename(e)), button('Delete', () => remove(e)));
      tr.append(name, size, when, actions);
      return tr;
    }));
    $('empty').hidden = entries.length > 0;
  } catch (err) {
    say(err.message, true);
  }
}

$('refresh').addEventListener('click', () => list());

// ---- actions ----

async function act(promise, done) {
  try {
    await promise;
    say(done);
  } catch (err) {
    say(err.message, true);
  }
  await list();
}

$('new-folder').addEventListener('click', async () => {
  const name = await ask('Name of the new folder');
  if (!name) return;
  await act(api('POST', `/v1/volumes/${state.volume}/mkdir`, { path: join(state.dir, name) }),
            `Made ${name}/`);
});

async function rename(e) {
  const name = await ask(`Rename ${e.name} to`, e.name);
  if (!name || name === e.name) return;
  await act(api('POST', `/v1/volumes/${state.volume}/move`, { from: e.path, to: join(state.dir, name) }),
            `Renamed ${e.name} to ${name}`);
}

async function remove(e) {
  if (!confirm(`Delete ${e.name}${e.type === 'directory' ? ' and everything in it' : ''}?`)) return;
  await act(api('DELETE', `/v1/volumes/${state.volume}/files${encodePath(e.path)}${e.type === 'directory' ? '?recursive=1' : ''}`),
            `Deleted ${e.name}`);
}

async function download(e) {
  try {
    const res = await api('GET', `/v1/volumes/${state.volume}/files${encodePath(e.path)}`);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = e.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    say(err.message, true);
  }
}

$('from-url').addEventListener('click', async () => {
  const answer = await ask('URL to fetch into this folder, and the file name', 'https://', '');
  if (!answer) return;
  const [url, given] = answer;
  const name = given || decodeURIComponent(new URL(url).pathname.split('/').pop() || 'download');
  const row = transferRow(name + ' (from URL)');
  try {
    await api('POST', `/v1/volumes/${state.volume}/fetch`, { url, path: join(state.dir, name) });
    row.done('fetched');
    say(`Fetched ${name}`);
  } catch (err) {
    row.done(err.message, true);
    say(err.message, true);
  }
  await list();
});

// ---- uploads, with progress ----

function transferRow(label) {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.textContent = label;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  const note = document.createElement('span');
  li.append(name, bar, note);
  $('transfers').append(li);
  return {
    progress(done, total) { bar.value = total ? done / total : 1; note.textContent = `${formatBytes(done)} of ${formatBytes(total)}`; },
    done(text, bad = false) { bar.value = 1; note.textContent = text; note.className = bad ? 'bad' : ''; },
  };
}

// One PUT with upload progress (fetch has none).
function put(url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Authorization', 'Bearer ' + state.token);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.response);
      let message = `HTTP ${xhr.status}`;
      try { message = JSON.parse(xhr.responseText).error.message; } catch (e) { /* not JSON */ }
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error('the connection failed'));
    xhr.send(body);
  });
}

async function upload(file) {
  const path = join(state.dir, file.name);
  const row = transferRow(file.name);
  row.progress(0, file.size);
  try {
    if (file.size <= PART_BYTES) {
      await put(`/v1/volumes/${state.volume}/files${encodePath(path)}`, file, {},
                (n) => row.progress(n, file.size));
    } else {
      // A resumable session: parts in parallel, the file appears when all are in.
      const res = await api('POST', `/v1/volumes/${state.volume}/uploads`, { path, part_size: PART_BYTES });
      const session = await res.json();
      const parts = Math.ceil(file.size / session.part_size);
      const sent = new Array(parts).fill(0);
      let next = 0;
      const worker = async () => {
        while (next < parts) {
          const n = next++;
          const blob = file.slice(n * session.part_size, Math.min(file.size, (n + 1) * session.part_size));
          await put(`/v1/volumes/${state.volume}/uploads/${session.id}/parts/${n}`, blob, {}, (k) => {
            sent[n] = k;
            row.progress(sent.reduce((a, b) => a + b, 0), file.size);
          });
          sent[n] = blob.size;
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, parts) }, worker));
      await api('POST', `/v1/volumes/${state.volume}/uploads/${session.id}/complete`,
                { size: file.size, parts });
    }
    row.done('uploaded');
    say(`Uploaded ${file.name}`);
  } catch (err) {
    row.done(err.message, true);
    say(err.message, true);
  }
}

async function uploadAll(files) {
  for (const file of files) await upload(file);
  await list();
}

$('file-input').addEventListener('change', async (e) => {
  await uploadAll([...e.target.files]);
  e.target.value = '';
});

const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  uploadAll([...e.dataTransfer.files]);
});

if (state.token) signIn(state.token).catch(() => sessionStorage.removeItem('strata-token'));
