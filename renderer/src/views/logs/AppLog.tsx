import { useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Checkbox, SelectField, TextField } from '../../components/Field';
import { useCall } from '../../state/api-context';

const levels = ['error', 'warn', 'info', 'debug'] as const;
type Level = (typeof levels)[number];

function levelOf(line: string): Level | undefined {
  const m = /\[(error|warn|info|debug|verbose|silly)\]/i.exec(line);
  const l = m?.[1]?.toLowerCase();
  return l === 'verbose' || l === 'silly' ? 'debug' : (l as Level | undefined);
}

/** The end of the application log, filtered by level and text, optionally following new lines. */
export function AppLog() {
  const [lines, setLines] = useState(1000);
  const [minLevel, setMinLevel] = useState<Level>('debug');
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(false);
  const tail = useCall('app.logTail', { lines });
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (!follow) return;
    const timer = setInterval(tail.reload, 3000);
    return () => clearInterval(timer);
  }, [follow, tail.reload]);

  const shown = useMemo(() => {
    if (tail.state !== 'ready') return [];
    const max = levels.indexOf(minLevel);
    const q = search.trim().toLowerCase();
    let current: Level | undefined;
    return tail.value.lines.filter((line) => {
      // Continuation lines (stack traces) keep the level of the line they belong to.
      current = levelOf(line) ?? current;
      return (current === undefined || levels.indexOf(current) <= max) && (!q || line.toLowerCase().includes(q));
    });
  }, [tail, minLevel, search]);

  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown]);

  return (
    <>
      <div className="filters" role="search" aria-label="Application log filters">
        <SelectField label="Level" value={minLevel} onChange={setMinLevel} options={levels.map((l) => ({ value: l, label: l === 'debug' ? 'everything' : `${l} and worse` }))} />
        <SelectField label="Lines" value={String(lines)} onChange={(v) => setLines(Number(v))} options={['200', '1000', '5000'].map((v) => ({ value: v, label: `last ${v}` }))} />
        <TextField label="Search" type="search" value={search} onChange={setSearch} spellCheck={false} />
        <Checkbox label="Follow" checked={follow} onChange={setFollow} />
        <Button onClick={tail.reload}>Refresh</Button>
      </div>
      {tail.state === 'error' && <ErrorNotice error={tail.error} />}
      {tail.state === 'ready' && (
        <p className="muted">
          {tail.value.file} — {shown.length.toLocaleString()} of {tail.value.lines.length.toLocaleString()} lines
          {tail.value.truncated ? ' (older lines are in the file)' : ''}
        </p>
      )}
      <pre className="app-log" ref={box} tabIndex={0} role="log" aria-label="Application log" data-testid="app-log">
        {tail.state === 'ready' && tail.value.lines.length === 0 && <span className="muted">This host writes no application log file.</span>}
        {shown.map((line, i) => (
          <span key={i} className={`log-line log-${levelOf(line) ?? 'cont'}`}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
    </>
  );
}
