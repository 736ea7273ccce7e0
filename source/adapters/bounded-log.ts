/**
 * An attempt's log with a size limit (config `logMaxMb`): the beginning and the end are kept, and a
 * line says what was cut between them. The head goes straight to the file; past it, the latest
 * output is held in a ring of `tailBytes` (1 MiB, or half the limit if that is less) — one buffer,
 * made at the cut, written after the cut line when the log closes: an agent printing for hours past
 * its limit costs no allocation per chunk (a Buffer per chunk, held a moment in the ring, made a
 * long run's memory creep). Output is handed to the file in batches of up to
 * `batchBytes` (or what came within `batchMs`): an agent printing fast writes a few times a second,
 * not once per chunk its pty gave us.
 */
import {createWriteStream, type WriteStream} from 'node:fs';

const largestTail = 1024 * 1024;
const batchBytes = 64 * 1024;
const batchMs = 50;

/**
 * Where text past a head is encoded before it goes into a ring: one buffer for every log (writes
 * are synchronous), grown to the largest chunk seen — a pty hands over at most 64K characters.
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

function encode(text: string, bytes: number): Buffer {
	if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
	scratch.write(text, 0, 'utf8');
	return scratch.subarray(0, bytes);
}

/**
 * Buffers a batch is encoded into and lent to the file stream until it is written, shared by every
 * log (at most `lentBuffers`, made as needed): a batch then costs no new buffer, where a Buffer per
 * batch, waiting for the garbage collector, kept a busy run's memory tens of MB higher. A batch
 * larger than one, or one written while all are out (a disk behind), goes as a string.
 */
const lentBytes = 128 * 1024;
const lentBuffers = 16;
const idleBuffers: Buffer[] = [];
let buffersMade = 0;

function borrowBuffer(bytes: number): Buffer | undefined {
	if (bytes > lentBytes) return undefined;
	const idle = idleBuffers.pop();
	if (idle !== undefined) return idle;
	if (buffersMade >= lentBuffers) return undefined;
	buffersMade++;
	return Buffer.allocUnsafe(lentBytes);
}

/** The newest `size` bytes written to it, in one buffer. */
class ByteRing {
	readonly #bytes: Buffer;
	/** Where the next byte goes. */
	#end = 0;
	#held = 0;

	constructor(size: number) {
		this.#bytes = Buffer.allocUnsafe(size);
	}

	/** Keeps `data`, and says how many older bytes it pushed out. */
	push(data: Buffer): number {
		const size = this.#bytes.length;
		const kept = data.length > size ? data.subarray(data.length - size) : data;
		const first = Math.min(kept.length, size - this.#end);
		kept.copy(this.#bytes, this.#end, 0, first);
		kept.copy(this.#bytes, 0, first);
		this.#end = (this.#end + kept.length) % size;
		const dropped = Math.max(0, this.#held + data.length - size);
		this.#held = Math.min(size, this.#held + data.length);
		return dropped;
	}

	/** What is held, oldest first, in at most two views of the ring. */
	views(): Buffer[] {
		if (this.#held === 0) return [];
		const start = (this.#end - this.#held + this.#bytes.length) % this.#bytes.length;
		if (start < this.#end) return [this.#bytes.subarray(start, this.#end)];
		return [this.#bytes.subarray(start), this.#bytes.subarray(0, this.#end)];
	}
}

/** How many bytes at the start of `views` continue a character whose first bytes were cut. */
function orphanedBytes(views: readonly Buffer[]): number {
	let count = 0;
	for (const view of views)
		for (const byte of view) {
			// UTF-8 continuation bytes are 10xxxxxx; a character has at most three.
			if ((byte & 0xc0) !== 0x80 || count >= 3) return count;
			count++;
		}

	return count;
}

export class BoundedLog {
	readonly #stream: WriteStream;
	readonly #headBytes: number;
	readonly #tailBytes: number;
	#written = 0;
	/** Past the head: the latest bytes (made at the cut), and how many older ones were dropped. */
	#tail: ByteRing | undefined;
	#cut = 0;
	/** Head output not yet handed to the stream. */
	#batch: string[] = [];
	#batchBytes = 0;
	#batchTimer: NodeJS.Timeout | undefined;
	/** The stream refused the last batch until it drains: the caller is told so on its next write. */
	#behind = false;

	constructor(file: string, maxBytes: number, onError: (error: Error) => void) {
		this.#tailBytes = Math.max(1, Math.min(largestTail, Math.floor(maxBytes / 2)));
		this.#headBytes = Math.max(0, maxBytes - this.#tailBytes);
		// Open errors arrive as 'error' events, never as a throw.
		// Room for a few batches: a batch is no reason to make the agent wait, a disk behind is.
		this.#stream = createWriteStream(file, {flags: 'a', highWaterMark: 4 * batchBytes});
		this.#stream.on('error', onError);
	}

	/** False when the caller should wait for `onDrain` before writing more (the disk is behind). */
	write(text: string): boolean {
		const bytes = Buffer.byteLength(text);
		if (this.#written + bytes <= this.#headBytes) {
			this.#written += bytes;
			this.#batch.push(text);
			this.#batchBytes += bytes;
			if (this.#batchBytes >= batchBytes) this.#flush();
			else
				this.#batchTimer ??= setTimeout(() => {
					this.#flush();
				}, batchMs);
			return !this.#behind;
		}

		this.#flush();
		this.#written += bytes;
		this.#tail ??= new ByteRing(this.#tailBytes);
		this.#cut += this.#tail.push(encode(text, bytes));
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
		if (this.#batchBytes === 0) return;
		const buffer = borrowBuffer(this.#batchBytes);
		if (buffer === undefined) {
			this.#behind = !this.#stream.write(this.#batch.join(''));
		} else {
			let end = 0;
			for (const piece of this.#batch) end += buffer.write(piece, end);
			this.#behind = !this.#stream.write(buffer.subarray(0, end), () => {
				// Written, or failed: either way the stream is done with it.
				idleBuffers.push(buffer);
			});
		}

		this.#batch = [];
		this.#batchBytes = 0;
		if (this.#behind)
			this.#stream.once('drain', () => {
				this.#behind = false;
			});
	}

	/** The cut line and the tail written after the head; everything reaches the file. */
	async close(): Promise<void> {
		this.#flush();
		let tail = this.#tail?.views() ?? [];
		this.#tail = undefined;
		if (this.#cut > 0) {
			// The cut may have split a character: its remaining bytes go with the cut.
			let orphaned = orphanedBytes(tail);
			this.#cut += orphaned;
			tail = tail.map((view) => {
				const skip = Math.min(orphaned, view.length);
				orphaned -= skip;
				return view.subarray(skip);
			});
			this.#stream.write(
				`\n[jetpack-tui: ${this.#cut} bytes of output cut here to keep this log within logMaxMb; its beginning and its end are kept]\n`,
			);
		}

		for (const view of tail) if (view.length > 0) this.#stream.write(view);
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
		this.#tail = undefined;
		this.#stream.destroy();
	}
}
