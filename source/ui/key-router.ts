/**
 * Who gets a key. Handlers register with a priority and say whether they took the key: the first
 * that does ends its journey, so a modal shown over a view simply registers above it instead of
 * every other handler working out whether something is in its way.
 */
export type KeyHandler<K> = (key: K) => boolean;

/** From the top: what is shown over everything first, the app's own keys last. */
export const keyPriority = {
	/** The app is stopping: `q` and ctrl-c (to stop now) come before anything on screen. */
	stopping: 500,
	/** A question or form over the screen: every key is its until it goes. */
	modal: 400,
	/** An agent's pane has the keyboard. */
	attach: 300,
	/** A text field being typed into. */
	textField: 200,
	/** The shown view's own keys. */
	view: 100,
	/** The app's keys (`q`, `1`–`4`, `?`, tab). */
	global: 0,
} as const;

interface Registration<K> {
	readonly handler: KeyHandler<K>;
	readonly priority: number;
	readonly order: number;
}

export class KeyRouter<K> {
	#registrations: Array<Registration<K>> = [];
	#order = 0;

	/** Returns the way to take the handler back out. */
	register(handler: KeyHandler<K>, priority: number): () => void {
		const registration: Registration<K> = {handler, priority, order: this.#order++};
		// Kept sorted: highest priority first, and among equals the latest, the one drawn over the others.
		const at = this.#registrations.findIndex(
			(other) =>
				other.priority < priority ||
				(other.priority === priority && other.order < registration.order),
		);
		if (at === -1) this.#registrations.push(registration);
		else this.#registrations.splice(at, 0, registration);
		return () => {
			this.#registrations = this.#registrations.filter((other) => other !== registration);
		};
	}

	/** Whether some handler took the key. */
	dispatch(key: K): boolean {
		// A handler may register or unregister others (a key that closes a modal) without changing
		// who this key reaches.
		for (const {handler} of [...this.#registrations]) if (handler(key)) return true;
		return false;
	}
}
