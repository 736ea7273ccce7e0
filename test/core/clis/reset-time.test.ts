import {describe, expect, test} from 'vitest';
import {resetTime, type ClockTime} from '../../../source/core/clis/detector.js';

/** The local clock's instant for a wall time, whatever zone the tests run in. */
const local = (year: number, month: number, day: number, hour: number, minute: number) =>
	new Date(year, month - 1, day, hour, minute);

const cases: {
	readonly name: string;
	readonly time: ClockTime;
	readonly now: Date;
	readonly expected: Date | undefined;
}[] = [
	{
		name: 'a UTC-named time later today',
		time: {hour: 6, minute: 23, meridiem: 'pm', timeZone: 'UTC'},
		now: new Date('2026-11-29T14:00:00Z'),
		expected: new Date('2026-11-29T18:23:00Z'),
	},
	{
		name: 'a UTC-named time after midnight (claude `resets 12:04am (UTC)`)',
		time: {hour: 12, minute: 4, meridiem: 'am', timeZone: 'UTC'},
		now: new Date('2026-11-29T22:05:00Z'),
		expected: new Date('2026-11-30T00:04:00Z'),
	},
	{
		name: 'a zone-named time (Europe/Paris is UTC+1 in winter)',
		time: {hour: 6, minute: 37, meridiem: 'am', month: 'Dec', day: 2, timeZone: 'Europe/Paris'},
		now: new Date('2026-11-29T22:05:00Z'),
		expected: new Date('2026-12-02T05:37:00Z'),
	},
	{
		name: 'a zone-named time in summer time (America/New_York is UTC-4 in July)',
		time: {hour: 3, minute: 0, meridiem: 'pm', timeZone: 'America/New_York'},
		now: new Date('2026-07-01T12:00:00Z'),
		expected: new Date('2026-07-01T19:00:00Z'),
	},
	{
		name: 'a local time later today',
		time: {hour: 6, minute: 29, meridiem: 'pm'},
		now: local(2026, 11, 29, 9, 0),
		expected: local(2026, 11, 29, 18, 29),
	},
	{
		name: 'a local 24-hour time',
		time: {hour: 18, minute: 5},
		now: local(2026, 11, 29, 9, 0),
		expected: local(2026, 11, 29, 18, 5),
	},
	{
		name: 'noon is 12pm',
		time: {hour: 12, minute: 0, meridiem: 'pm'},
		now: local(2026, 11, 29, 9, 0),
		expected: local(2026, 11, 29, 12, 0),
	},
	{
		name: 'a dated time (codex `Dec 2nd, 2026 6:39 PM`)',
		time: {hour: 6, minute: 39, meridiem: 'pm', month: 'December', day: 2, year: 2026},
		now: local(2026, 11, 29, 9, 0),
		expected: local(2026, 12, 2, 18, 39),
	},
	{
		name: 'a time passed a minute ago is now, not tomorrow',
		time: {hour: 6, minute: 23, meridiem: 'pm', timeZone: 'UTC'},
		now: new Date('2026-11-29T18:24:30Z'),
		expected: new Date('2026-11-29T18:24:30Z'),
	},
	{
		name: 'the very minute printed is now',
		time: {hour: 18, minute: 23},
		now: local(2026, 11, 29, 18, 23),
		expected: local(2026, 11, 29, 18, 23),
	},
	{
		name: 'a time passed long ago is tomorrow',
		time: {hour: 3, minute: 0, meridiem: 'am'},
		now: local(2026, 11, 29, 22, 0),
		expected: local(2026, 11, 30, 3, 0),
	},
	{
		name: 'a time passed long ago is tomorrow across a month end',
		time: {hour: 1, minute: 15, timeZone: 'UTC'},
		now: new Date('2026-11-30T23:00:00Z'),
		expected: new Date('2026-12-01T01:15:00Z'),
	},
	{
		name: 'Jan 2 seen on Dec 31 is next year',
		time: {hour: 6, minute: 0, meridiem: 'pm', month: 'Jan', day: 2, timeZone: 'UTC'},
		now: new Date('2026-12-31T10:00:00Z'),
		expected: new Date('2027-01-02T18:00:00Z'),
	},
	{
		name: 'a dated time that passed yesterday (a stale message) is now, not next year',
		time: {hour: 6, minute: 34, meridiem: 'pm', month: 'Dec', day: 2, timeZone: 'UTC'},
		now: new Date('2026-12-03T09:00:00Z'),
		expected: new Date('2026-12-03T09:00:00Z'),
	},
	{
		name: 'a dated time with its year that has passed is now',
		time: {hour: 6, minute: 39, meridiem: 'pm', month: 'Dec', day: 2, year: 2025},
		now: local(2026, 11, 29, 9, 0),
		expected: local(2026, 11, 29, 9, 0),
	},
];

const invalid: {readonly name: string; readonly time: ClockTime}[] = [
	{name: '25:00', time: {hour: 25, minute: 0}},
	{name: 'minute 60', time: {hour: 10, minute: 60}},
	{name: '13pm', time: {hour: 13, minute: 0, meridiem: 'pm'}},
	{name: '0am', time: {hour: 0, minute: 0, meridiem: 'am'}},
	{name: 'an unknown zone', time: {hour: 6, minute: 0, meridiem: 'pm', timeZone: 'Mars/Olympus'}},
	{name: 'an unknown month', time: {hour: 6, minute: 0, month: 'Foo', day: 2}},
];

describe('resetTime', () => {
	test.each(cases)('$name', ({time, now, expected}) => {
		expect(resetTime(time, now)?.toISOString()).toBe(expected?.toISOString());
	});

	test.each(invalid)('$name cannot be read', ({time}) => {
		expect(resetTime(time, new Date('2026-11-29T12:00:00Z'))).toBeUndefined();
	});
});
