import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** The built CLI, as `npx jetpack-tui` runs it (vitest's global setup builds it when stale). */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
	readonly code: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

export async function runCli(
	args: readonly string[],
	options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {},
): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cliPath, ...args], {
			cwd: options.cwd,
			env: {
				...process.env,
				NO_COLOR: '1',
				JETPACK_DEBUG: '',
				FORCE_COLOR: undefined,
				...options.env,
			},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => resolve({code, stdout, stderr}));
		child.stdin.end(options.input ?? '');
	});
}
