/**
 * Real processes in real ptys through the real launcher, for the adapter's tests: node scripts
 * standing in for agents, stopped after each test whatever it asserted.
 */
import path from 'node:path';
import {afterEach} from 'vitest';
import {PtyAgentLauncher} from '../../source/adapters/pty-agent.js';
import type {AgentExit, AgentLaunch, AgentProcess, Screen} from '../../source/core/agent-ports.js';
import {tempRepo} from './temp-repo.js';

export const launcher = new PtyAgentLauncher();
const running = new Set<AgentProcess>();

// A failed assertion must not leave its process behind for the rest of the run.
afterEach(async () => {
	await Promise.all([...running].map(async (agent) => agent.stop(0, {immediate: true})));
	running.clear();
});

/** `node -e script` as an agent in a temp folder; its log goes to a folder the launcher makes. */
export async function launchNode(
	script: string,
	overrides: Partial<AgentLaunch> = {},
): Promise<{agent: AgentProcess; logFile: string; dir: string; exited: Promise<AgentExit>}> {
	const dir = await tempRepo();
	const logFile = overrides.logFile ?? path.join(dir, 'logs', 'agent.log');
	const agent = launcher.launch({
		command: process.execPath,
		args: ['-e', script],
		cwd: dir,
		env: {},
		cols: 80,
		rows: 24,
		logFile,
		...overrides,
	});
	running.add(agent);
	const exited = new Promise<AgentExit>((resolve) => {
		agent.onExit(resolve);
	});
	return {agent, logFile, dir, exited};
}

export const screenText = (screen: Screen) =>
	screen.lines.map((runs) => runs.map((run) => run.text).join('')).join('\n');
