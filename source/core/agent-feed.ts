import {
	blankScreen,
	type AgentProcess,
	type Disposable,
	type Screen,
	type ScreenSource,
} from './agent-ports.js';

/**
 * One pane's source, stable for the agent's life in the pool: it follows each new process, and
 * keeps the last one's final screen on show until the next starts.
 */
export class AgentFeed implements ScreenSource {
	readonly #listeners = new Set<() => void>();
	#process: AgentProcess | undefined;

	/** Shows `process` from now on; the returned subscription ends with the attempt. */
	show(process: AgentProcess): Disposable {
		this.#process = process;
		const subscription = process.onScreen(() => {
			this.#changed();
		});
		this.#changed();
		return subscription;
	}

	screen(): Screen {
		return this.#process?.screen() ?? blankScreen;
	}

	onScreen(listener: () => void): Disposable {
		this.#listeners.add(listener);
		return {dispose: () => this.#listeners.delete(listener)};
	}

	#changed(): void {
		for (const listener of this.#listeners) listener();
	}
}
