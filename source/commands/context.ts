/**
 * What every subcommand is handed by `cli.tsx`: where the repo is, the store, the clock, and where
 * to write. Commands return an exit code (PRODUCT.md §2) or throw a typed error.
 */
import type {ExitCode} from '../core/errors.js';
import type {Config} from '../core/config.js';
import type {Clock} from '../core/ports.js';
import type {Store} from '../adapters/open-store.js';

export interface Output {
	write(text: string): void;
}

export interface CommandContext {
	/** The repository the command works on (`-C`, `JETPACK_WORK_DIR`, or the current folder). */
	readonly dir: string;
	/** The task store: the file, or PostgreSQL (PRODUCT.md §15). */
	readonly store: Store;
	/** `.jetpack/config.json` with defaults filled. */
	readonly config: Config;
	readonly clock: Clock;
	readonly stdout: Output;
	/** Notices and warnings; never data. */
	readonly stderr: Output;
	/** Whether stdout may carry colour (a TTY, and NO_COLOR unset). */
	readonly color: boolean;
	/** The environment the command was run with (an agent's, when an agent runs it). */
	readonly env: NodeJS.ProcessEnv;
}

export type CommandResult = Promise<ExitCode>;
