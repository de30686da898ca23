import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BenchRow } from './types';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Start-up: from spawning the built browser host until the core answers its first contract call
 * (app.info over the WebSocket), against a bare `node -e` that prints and exits, in the same run.
 */
export async function runStartupBench(rounds = 5): Promise<BenchRow[]> {
  const serve = path.join(root, 'dist', 'host', 'serve.js');
  if (!fs.existsSync(serve)) throw new Error('dist/host/serve.js is missing: run "npm run build" first.');
  const archiver: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await timeBareNode());
    archiver.push(await timeFirstCall(serve));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const a = median(archiver);
  const b = median(bare);
  return [
    { name: 'start-up: spawn → first contract answer', value: round(a), unit: 'ms', note: `median of ${rounds}` },
    { name: 'start-up: bare node process', value: round(b), unit: 'ms', note: `median of ${rounds}` },
    { name: 'start-up ratio archiver / bare node', value: round(a / b, 2), unit: '×' },
  ];
}

function timeBareNode(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', 'console.log("up")'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(performance.now() - start));
    child.on('error', reject);
  });
}

async function timeFirstCall(serve: string): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archiver-bench-'));
  const start = performance.now();
  const child = spawn(process.execPath, [serve, '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Open: (\S+)/.exec(out);
        if (match) resolve(new URL(match[1]!));
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    // The printed URL answers with the session cookie and, in the page, the CSRF value.
    const { cookie, csrf } = await new Promise<{ cookie: string; csrf: string }>((resolve, reject) => {
      http
        .get(url, (res) => {
          let html = '';
          res.on('data', (c: Buffer) => (html += c.toString()));
          res.on('end', () => resolve({ cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: /<meta name="archiver-csrf" content="([\w-]+)">/.exec(html)?.[1] ?? '' }));
        })
        .on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://${url.host}/ws?csrf=${csrf}`, { headers: { cookie, origin: `http://${url.host}` } });
      ws.on('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, name: 'app.info', input: {} })));
      ws.on('message', () => {
        ws.close();
        resolve();
      });
      ws.on('error', reject);
    });
    return performance.now() - start;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(x: number, digits = 1): number {
  return Number(x.toFixed(digits));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await runStartupBench());
}
