/**
 * The calendar day of `timeZone` a moment falls on, as YYYY-MM-DD (which en-CA's date format
 * is): daily counts follow the day of the site's readers, not of the server.
 */
export function dayFormatter(timeZone = 'UTC'): (date: Date | number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
  return (date) => format.format(date)
}
