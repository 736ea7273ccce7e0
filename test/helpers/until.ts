/**
 * Waits until `condition` holds, looking every 20 ms: tests wait for what they can observe, never
 * for a fixed time, and the deadline is generous so that a loaded machine only makes them slower.
 */
export async function until(
	condition: () => boolean | Promise<boolean>,
	what: string,
	timeoutMs = 30_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
