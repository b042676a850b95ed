import { getCountries } from 'libphonenumber-js';

/** Query strings and form fields are text: "true"/"false" become booleans, anything else is left for the validator to refuse. */
export const booleanFromText = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** A whole number sent as numeric text (a form field, a query string) becomes a number; anything else is left for the validator. */
export const integerFromText = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value);

/** ISO 3166-1 alpha-2 codes libphonenumber knows, for `defaultRegion`. */
export const COUNTRY_CODES = getCountries();
export const COUNTRY_CODE_MESSAGE = 'must be an ISO 3166-1 alpha-2 country code such as SG or US';

/** A search by phone digits (`?phone=`): 1 to 15 digits, optionally after a +. */
export const PHONE_DIGITS = /^\+?\d{1,15}$/;
export const PHONE_DIGITS_MESSAGE = 'must be 1 to 15 digits, optionally after a +';
