/*
 * refio.h — loaders for ../shared/reference files, written independently of
 * folio's own CSV reader so that reference tests do not trust the code they
 * check. Plain comma-separated text, no quoting, empty cell = NaN, values
 * parsed with strtod (correctly rounded in glibc). Lines starting with '#'
 * are comments (the files folio computed say there how).
 */
#ifndef FOLIO_REFIO_H
#define FOLIO_REFIO_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table of numbers with a header row; column 0 may be text (labels). */
typedef struct ref_table {
  size_t n_rows, n_cols;   /* data rows; columns excluding the first (label) column */
  char **header;           /* n_cols + 1 names (header[0] is the label column's name) */
  char **labels;           /* n_rows first-column strings */
  double *values;          /* row-major: values[i * n_cols + j]; NaN for empty / non-numeric */
} ref_table;

static inline char *ref_strdup(const char *s, size_t n) {
  char *d = malloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Splits a line into fields (in place); returns the count. */
static inline size_t ref_split(char *line, char **fields, size_t max) {
  size_t n = 0;
  char *p = line;
  for (;;) {
    if (n < max) fields[n] = p;
    n++;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = '\0';
    p = c + 1;
  }
  return n;
}

/* Loads dir/name; returns 0 on success. */
static inline int ref_load(const char *dir, const char *name, ref_table *t) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) { fprintf(stderr, "cannot open %s\n", path); return -1; }
  memset(t, 0, sizeof *t);
  size_t cap_rows = 0;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  char **fields = malloc(sizeof(char *) * 4096);
  int first = 1;
  while ((len = getline(&line, &line_cap, f)) > 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0 || line[0] == '#') continue; /* blank lines and header comments */
    size_t n = ref_split(line, fields, 4096);
    if (first) {
      t->n_cols = n - 1;
      t->header = malloc(sizeof(char *) * n);
      for (size_t j = 0; j < n; j++) t->header[j] = ref_strdup(fields[j], strlen(fields[j]));
      first = 0;
      continue;
    }
    if (n != t->n_cols + 1) { fprintf(stderr, "%s: ragged row\n", path); fclose(f); return -1; }
    if (t->n_rows == cap_rows) {
      cap_rows = cap_rows ? cap_rows * 2 : 256;
      t->labels = realloc(t->labels, sizeof(char *) * cap_rows);
      t->values = realloc(t->values, sizeof(double) * cap_rows * t->n_cols);
    }
    t->labels[t->n_rows] = ref_strdup(fields[0], strlen(fields[0]));
    for (size_t j = 0; j < t->n_cols; j++) {
      char *end;
      double v = strtod(fields[j + 1], &end);
      t->values[t->n_rows * t->n_cols + j] = (end == fields[j + 1] || *end) ? NAN : v;
    }
    t->n_rows++;
  }
  free(fields);
  free(line);
  fclose(f);
  return 0;
}

static inline void ref_free(ref_table *t) {
  for (size_t j = 0; j <= t->n_cols && t->header; j++) free(t->header[j]);
  for (size_t i = 0; i < t->n_rows; i++) free(t->labels[i]);
  free(t->header);
  free(t->labels);
  free(t->values);
  memset(t, 0, sizeof *t);
}

/* Column j (0-based, excluding the label column) as a new column-major copy of all rows. */
static inline double *ref_column_major(const ref_table *t) {
  double *m = malloc(sizeof(double) * t->n_rows * t->n_cols);
  for (size_t i = 0; i < t->n_rows; i++)
    for (size_t j = 0; j < t->n_cols; j++) m[i + j * t->n_rows] = t->values[i * t->n_cols + j];
  return m;
}

/* Reads a one-number text file; NAN on failure. */
static inline double ref_scalar(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  double v = NAN;
  if (f) { if (fscanf(f, "%lf", &v) != 1) v = NAN; fclose(f); }
  return v;
}

/* Index of a header name among the value columns, or -1. */
static inline int ref_col(const ref_table *t, const char *name) {
  for (size_t j = 0; j < t->n_cols; j++) if (strcmp(t->header[j + 1], name) == 0) return (int)j;
  return -1;
}

#endif
