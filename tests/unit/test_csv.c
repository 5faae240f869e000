/* CSV tokenizer: quotes, escaped quotes, embedded newlines, comments, CRLF, and record
 * splitting that never cuts inside a quoted field. Expected values are the RFC 4180 reading. */
#include "ms_csv.h"
#include "ms_test.h"
#include <string.h>

static int fields_are(ms_csv_record *r, int n, const char *const *want)
{
  if (r->n != n) return 0;
  for (int i = 0; i < n; i++)
    if (strcmp(r->field[i], want[i])) return 0;
  return 1;
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  const char *text = "# leading comment\n"
                     "a, \"b,c\" ,d\r\n"
                     "\n"
                     "1,\"he said \"\"hi\"\"\",3\n"
                     "  # indented comment\n"
                     "4,\"multi\nline\",6\n"
                     "7,,\n";
  ms_csv_reader r   = {"mem.csv", text, text + strlen(text), 1};
  ms_csv_record rec = {0};
  PetscBool     have;
  const char   *h[]  = {"a", "b,c", "d"};
  const char   *r1[] = {"1", "he said \"hi\"", "3"};
  const char   *r2[] = {"4", "multi\nline", "6"};
  const char   *r3[] = {"7", "", ""};
  PetscCall(ms_csv_next(&r, &rec, &have));
  MS_CHECK(have && fields_are(&rec, 3, h) && rec.line == 2);
  PetscCall(ms_csv_next(&r, &rec, &have));
  MS_CHECK(have && fields_are(&rec, 3, r1) && rec.line == 4);
  PetscCall(ms_csv_next(&r, &rec, &have));
  MS_CHECK(have && fields_are(&rec, 3, r2) && rec.line == 6);
  PetscCall(ms_csv_next(&r, &rec, &have));
  MS_CHECK(have && fields_are(&rec, 3, r3) && rec.line == 8);
  PetscCall(ms_csv_next(&r, &rec, &have));
  MS_CHECK(!have);
  ms_csv_record_free(&rec);

  /* Splitting into 3 parts: 3 data records, one each, each starting at its own line. */
  size_t  starts[4], hend;
  int64_t lines[4], n;
  PetscCall(ms_csv_split("mem.csv", text, strlen(text), 3, &hend, &n, starts, lines));
  MS_CHECK(n == 3);
  MS_CHECK(lines[0] == 4 && lines[1] == 6 && lines[2] == 8);
  MS_CHECK(!strncmp(text + starts[1], "4,\"multi", 8));
  MS_CHECK(starts[3] == strlen(text));

  /* Numbers: whole field, blanks allowed; empty/nan/inf are non-finite; junk is rejected. */
  double    v;
  PetscBool fin;
  MS_CHECK(ms_csv_parse_double(" -1.5e3 ", &v, &fin) && fin && v == -1500.0);
  MS_CHECK(ms_csv_parse_double("", &v, &fin) && !fin);
  MS_CHECK(ms_csv_parse_double("nan", &v, &fin) && !fin && isnan(v));
  MS_CHECK(ms_csv_parse_double("-inf", &v, &fin) && !fin && isinf(v));
  MS_CHECK(!ms_csv_parse_double("1.5x", &v, &fin));
  MS_CHECK(!ms_csv_parse_double("abc", &v, &fin));

  /* Quoting on output round-trips through the reader. */
  char out[64];
  size_t k = ms_csv_format_field("x,\"y\"", out);
  out[k] = 0;
  MS_CHECK(!strcmp(out, "\"x,\"\"y\"\"\""));
  k = ms_csv_format_field("plain", out);
  out[k] = 0;
  MS_CHECK(!strcmp(out, "plain"));

  /* An unterminated quote is an error naming the line. */
  const char   *bad = "a,b\n1,\"oops\n";
  ms_csv_reader rb  = {"bad.csv", bad, bad + strlen(bad), 1};
  ms_csv_record rr  = {0};
  PetscCall(ms_csv_next(&rb, &rr, &have));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  PetscErrorCode e = ms_csv_next(&rb, &rr, &have);
  PetscCall(PetscPopErrorHandler());
  MS_CHECK(e == MS_ERR_READ);
  ms_csv_record_free(&rr);
  MS_TEST_END("test_csv");
}
