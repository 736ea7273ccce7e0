/**
 * An attempt's log with a size limit (config `logMaxMb`): the beginning and the end are kept, and a
 * line says what was cut between them. The head goes straight to the file; past it, the latest
 * output is held in a ring of at most `tailBytes` (1 MiB, or half the limit if that is less),
 * written after the cut line when the log closes.
 */
import {createWriteStream, type WriteStream} from 'node:fs';

const largestTail = 1024 * 1024;

export class BoundedLog {
	readonly #stream: WriteStream;
	readonly #headBytes: number;
	readonly #tailBytes: number;
	#written = 0;
	/** Past the head: the latest chunks, their bytes, and how many were dropped. */
	readonly #tail: Buffer[] = [];
	#tailHeld = 0;
	#cut = 0;

	constructor(file: string, maxBytes: number, onError: (error: Error) => void) {
		this.#tailBytes = Math.max(1, Math.min(largestTail, Math.floor(maxBytes / 2)));
		this.#headBytes = Math.max(0, maxBytes - this.#tailBytes);
		// Open errors arrive as 'error' events, never as a throw.
		this.#stream = createWriteStream(file, {flags: 'a'});
		this.#stream.on('error', onError);
	}

	/** False when the caller should wait for `onDrain` before writing more (the disk is behind). */
	write(text: string): boolean {
		const bytes = Buffer.byteLength(text);
		if (this.#written + bytes <= this.#headBytes) {
			this.#written += bytes;
			return this.#stream.write(text);
		}

		this.#written += bytes;
		this.#tail.push(Buffer.from(text));
		this.#tailHeld += bytes;
		while (this.#tailHeld > this.#tailBytes) {
			const first = this.#tail[0];
			if (first === undefined) break;
			const over = this.#tailHeld - this.#tailBytes;
			if (first.length <= over) {
				this.#tail.shift();
				this.#tailHeld -= first.length;
				this.#cut += first.length;
			} else {
				this.#tail[0] = first.subarray(over);
				this.#tailHeld -= over;
				this.#cut += over;
			}
		}

		return true;
	}

	onDrain(listener: () => void): void {
		this.#stream.once('drain', listener);
	}

	/** The cut line and the tail written after the head; everything reaches the file. */
	async close(): Promise<void> {
		if (this.#cut > 0)
			this.#stream.write(
				`\n[jetpack-tui: ${this.#cut} bytes of output cut here to keep this log within logMaxMb; its beginning and its end are kept]\n`,
			);
		for (const chunk of this.#tail.splice(0)) this.#stream.write(chunk);
		this.#tailHeld = 0;
		this.#stream.end();
		if (this.#stream.writableFinished || this.#stream.destroyed) return;
		await new Promise<void>((resolve, reject) => {
			this.#stream.once('finish', resolve);
			this.#stream.once('error', reject);
		});
	}

	destroy(): void {
		this.#tail.length = 0;
		this.#stream.destroy();
	}
}
