/** One reason a submitted document was refused, with the path of the offending field. */
export interface FieldError {
  field: string;
  message: string;
}
