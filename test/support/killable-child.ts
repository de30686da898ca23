import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs a child of test/support (`import-child.ts`, `deliver-child.ts`…) under tsx, for the kill
 * tests. With `killWhen`, the child is SIGKILLed as soon as the predicate holds, polled every 5 ms
 * once the child printed "ready": kill moments follow progress (the store's state), not wall
 * time, so every round dies mid-work however fast or loaded the machine is. An exit that is
 * neither that kill nor a success rejects with the child's output.
 */
export function runKillableChild(script: string, args: string[], killWhen?: () => boolean): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.resolve(ROOT, 'test/support', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let watching: NodeJS.Timeout | undefined;
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (killWhen && !watching && output.includes('ready')) watching = setInterval(() => killWhen() && proc.kill('SIGKILL'), 5);
    });
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearInterval(watching);
      if (signal === 'SIGKILL') resolve({ killed: true, output });
      else if (code === 0) resolve({ killed: false, output });
      else reject(new Error(`${script} exited with ${code ?? signal}: ${output}`));
    });
  });
}
