import type { Command } from 'commander'; export function registerTimeseriesCommands(program: Command): void { void program; }
