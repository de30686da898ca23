import type { ComponentType } from 'react';
import { WelcomeView } from './welcome/WelcomeView';
import { ConnectorsView } from './connectors/ConnectorsView';
import { MappingView } from './mapping/MappingView';
import { MonitorView } from './monitor/MonitorView';
import { PreviewView } from './preview/PreviewView';
import { LogsView } from './logs/LogsView';
import { SandboxView } from './sandbox/SandboxView';

/**
 * The views of the activity bar, in order. A feature adds its view with one entry here; the
 * shell renders the icon, the keyboard shortcut (Ctrl/Cmd+1…9 by position) and the editor area.
 */
export interface ViewDefinition {
  id: string;
  title: string;
  /** A single glyph or short text for the activity bar (no icon font: nothing remote). */
  icon: string;
  component: ComponentType;
  /** Shown only when the core runs a sandbox (`npm run demo`). */
  sandboxOnly?: boolean;
}

export const views: ViewDefinition[] = [
  { id: 'welcome', title: 'Welcome', icon: '⌂', component: WelcomeView },
  { id: 'connectors', title: 'Connectors', icon: '⇄', component: ConnectorsView },
  { id: 'mapping', title: 'Mapping', icon: '⇢', component: MappingView },
  { id: 'monitor', title: 'Monitor', icon: '▤', component: MonitorView },
  { id: 'preview', title: 'Preview', icon: '✉', component: PreviewView },
  { id: 'logs', title: 'Logs', icon: '☰', component: LogsView },
  { id: 'sandbox', title: 'Sandbox tenant', icon: '⚗', component: SandboxView, sandboxOnly: true },
];
