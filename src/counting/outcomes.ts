/** What becomes of a POSTed view: counted, or the reason it was not. */
export const outcomes = ['counted', 'repeat', 'bot', 'ignored', 'rate-limited', 'unknown-page'] as const

export type Outcome = (typeof outcomes)[number]
