/* formula_probe.c - prints the parsed composition of each formula read from stdin (one per
 * line) as "Sym amount Sym amount ..." (%.17g), or "ERROR column message", for the pymatgen
 * parity script (composition_parity.py). */
#include "ms_featurize.h"
#include <stdio.h>
#include <string.h>

int main(void)
{
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    ms_formula       f;
    ms_formula_error e;
    if (ms_formula_parse(line, &f, &e)) {
      printf("ERROR %d %s\n", e.column, e.message);
      continue;
    }
    for (int i = 0; i < f.n; i++) printf("%s%s %.17g", i ? " " : "", ms_element_symbol(f.z[i]), f.amount[i]);
    printf("\n");
  }
  return 0;
}
