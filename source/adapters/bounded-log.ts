/**
 * An attempt's log with a size limit (config `logMaxMb`): the beginning and the end are kept, and a
 * line says what was cut between them. The head goes straight to the file; past it, the latest
 * output is held in a ring of at most `tailBytes` (1 MiB, or half the limit if that is less),
 * written after the cut line when the log closes. Output is handed to the file in batches of up to
 * `batchChars` (or what came within `batchMs`): an agent printing fast writes a few times a second,
 * not once per chunk its pty gave us.
 */
import {createWriteStream, type WriteStream} from 'node:fs';

const largestTail = 1024 * 1024;
const batchChars = 64 * 1024;
const batchMs = 50;

export class BoundedLog {
	readonly #stream: WriteStream;
	readonly #headBytes: number;
	readonly #tailBytes: number;
	#written = 0;
	/** Past the head: the latest chunks, their bytes, and how many were dropped. */
	readonly #tail: Buffer[] = [];
	#tailHeld = 0;
	#cut = 0;
	/** Head output not yet handed to the stream. */
	#batch: string[] = [];
	#batchChars = 0;
	#batchTimer: NodeJS.Timeout | undefined;
	/** The stream refused the last batch until it drains: the caller is told so on its next write. */
	#behind = false;

	constructor(file: string, maxBytes: number, onError: (error: Error) => void) {
		this.#tailBytes = Math.max(1, Math.min(largestTail, Math.floor(maxBytes / 2)));
		this.#headBytes = Math.max(0, maxBytes - this.#tailBytes);
		// Open errors arrive as 'error' events, never as a throw.
		// Room for a few batches: a batch is no reason to make the agent wait, a disk behind is.
		this.#stream = createWriteStream(file, {flags: 'a', highWaterMark: 4 * batchChars});
		this.#stream.on('error', onError);
	}

	/** False when the caller should wait for `onDrain` before writing more (the disk is behind). */
	write(text: string): boolean {
		const bytes = Buffer.byteLength(text);
		if (this.#written + bytes <= this.#headBytes) {
			this.#written += bytes;
			this.#batch.push(text);
			this.#batchChars += text.length;
			if (this.#batchChars >= batchChars) this.#flush();
			else
				this.#batchTimer ??= setTimeout(() => {
					this.#flush();
				}, batchMs);
			return !this.#behind;
		}

		this.#flush();
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
		if (!this.#behind) {
			queueMicrotask(listener);
			return;
		}

		this.#stream.once('drain', listener);
	}

	#flush(): void {
		clearTimeout(this.#batchTimer);
		this.#batchTimer = undefined;
		if (this.#batchChars === 0) return;
		const text = this.#batch.length === 1 ? (this.#batch[0] ?? '') : this.#batch.join('');
		this.#batch = [];
		this.#batchChars = 0;
		this.#behind = !this.#stream.write(text);
		if (this.#behind)
			this.#stream.once('drain', () => {
				this.#behind = false;
			});
	}

	/** The cut line and the tail written after the head; everything reaches the file. */
	async close(): Promise<void> {
		this.#flush();
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
		clearTimeout(this.#batchTimer);
		this.#batch = [];
		this.#tail.length = 0;
		this.#stream.destroy();
	}
}
