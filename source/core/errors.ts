/**
 * Errors a user can cause. Each carries a message that names the file, line or flag and the fix;
 * `cli.tsx` prints the message and exits with `exitCode` (PRODUCT.md §2). Anything else is a bug and
 * is reported with its stack only under JETPACK_DEBUG=1.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 130;

export const exitCodes = {
	ok: 0,
	problems: 1,
	usage: 2,
	noAgent: 3,
	interrupted: 130,
} as const satisfies Record<string, ExitCode>;

export abstract class JetpackError extends Error {
	abstract readonly exitCode: ExitCode;
}

/** A wrong command line: unknown subcommand, missing argument, bad flag value. */
export class UsageError extends JetpackError {
	override readonly name = 'UsageError';
	readonly exitCode = exitCodes.usage;
}

/** `.jetpack/config.json` is unreadable or has a wrong key or type. */
export class ConfigError extends JetpackError {
	override readonly name = 'ConfigError';
	readonly exitCode = exitCodes.usage;
}

/** The task store cannot be used as it is: a person's mistake in the file, a lock that cannot be had. */
export class StoreError extends JetpackError {
	override readonly name = 'StoreError';
	readonly exitCode = exitCodes.usage;
}

/** A command that looked for problems and found some (`validate`, `deps` on a cycle). */
export class ProblemsFound extends JetpackError {
	override readonly name = 'ProblemsFound';
	readonly exitCode = exitCodes.problems;
}
