/** Finds executables on PATH without spawning a shell. */
import {access, constants} from 'node:fs/promises';
import path from 'node:path';

export async function onPath(
	command: string,
	env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
	for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
		if (dir === '') continue;
		const candidate = path.join(dir, command);
		try {
			await access(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not in this folder; try the next.
		}
	}

	return undefined;
}
