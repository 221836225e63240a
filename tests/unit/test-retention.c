/* Unit tests: run ids, name patterns, choosing what retention deletes, and
 * pair groups deleting together. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-pair.h"
#include "ffc-promote.h"
#include "ffc-retention.h"
#include "ffc-runid.h"
#include "ffc-segname.h"

/* 2026-11-24T03:20:32Z */
#define T0 G_GINT64_CONSTANT (1795490432)

static void
test_run_id (void)
{
  gint scope_a, scope_b;
  gchar a1[9], a2[9], b[9], again[9];

  g_assert_true (ffc_run_id_valid ("0a1b2c3d"));
  g_assert_true (ffc_run_id_valid ("DEADBEEF"));
  g_assert_false (ffc_run_id_valid (NULL));
  g_assert_false (ffc_run_id_valid (""));
  g_assert_false (ffc_run_id_valid ("0a1b2c3"));
  g_assert_false (ffc_run_id_valid ("0a1b2c3d4"));
  g_assert_false (ffc_run_id_valid ("0a1b2c3g"));
  g_assert_false (ffc_run_id_valid ("../../x"));

  /* one id per scope while it has users */
  ffc_run_id_acquire (&scope_a, a1);
  ffc_run_id_acquire (&scope_a, a2);
  ffc_run_id_acquire (&scope_b, b);
  g_assert_true (ffc_run_id_valid (a1));
  g_assert_cmpstr (a1, ==, a2);
  g_assert_cmpstr (a1, !=, b); /* 1 in 2^32 */
  ffc_run_id_release (&scope_a);
  ffc_run_id_acquire (&scope_a, again);
  g_assert_cmpstr (again, ==, a1);
  ffc_run_id_release (&scope_a);
  ffc_run_id_release (&scope_a);
  ffc_run_id_release (&scope_b);
  /* forgotten with its last user: a new start draws a new one */
  ffc_run_id_acquire (&scope_a, again);
  g_assert_cmpstr (again, !=, a1);
  ffc_run_id_release (&scope_a);
}

static void
test_pattern_default (void)
{
  FfcSegPattern *p = ffc_seg_pattern_new (FFC_SEGNAME_DEFAULT, NULL);
  gchar *name = ffc_segname_expand (
      FFC_SEGNAME_DEFAULT, T0 * G_USEC_PER_SEC + 5, 42, 60, "0a1b2c3d", NULL);
  static const gchar *not_ours[] = {
    "2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042-1.wav", /* clash suffix */
    "2026-11-24T03-20-32Z_60s_0a1b2c3x_00000042.wav",   /* not hex */
    "2026-11-24T03-20-32Z_60s_0a1b2c3_00000042.wav",    /* 7 hex digits */
    "2026-11-24T03-20-32Z_60s_0a1b2c3d_0000042.wav",    /* 7 digits */
    "2026-13-24T03-20-32Z_60s_0a1b2c3d_00000042.wav",   /* month 13 */
    "2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042.wav.part",
    "x2026-11-24T03-20-32Z_60s_0a1b2c3d_00000042.wav",
    "2026-11-24T03-20-32Z_s_0a1b2c3d_00000042.wav",
    "notes.txt",
    "",
  };
  gint64 t = 0;

  g_assert_nonnull (p);
  g_assert_true (ffc_seg_pattern_has_time (p));
  g_assert_true (ffc_seg_pattern_match (p, name, &t));
  g_assert_cmpint (t, ==, T0);
  g_assert_true (ffc_seg_pattern_match (
      p, "2026-11-24T03-20-32Z_3600s_ffffffff_123456789.wav", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (not_ours); i++)
    g_assert_false (ffc_seg_pattern_match (p, not_ours[i], NULL));
  g_free (name);
  ffc_seg_pattern_free (p);
}

static void
test_pattern_others (void)
{
  GError *error = NULL;
  FfcSegPattern *p;
  gint64 t = 0;

  /* regex characters in the template are literal; %% is a '%' */
  p = ffc_seg_pattern_new ("rec(1)+[a].{seq}%%.wav", NULL);
  g_assert_false (ffc_seg_pattern_has_time (p));
  g_assert_true (ffc_seg_pattern_match (p, "rec(1)+[a].00000007%.wav", &t));
  g_assert_cmpint (t, ==, G_MININT64);
  g_assert_false (ffc_seg_pattern_match (p, "rec(1)+[a]x00000007%.wav", &t));
  g_assert_false (ffc_seg_pattern_match (p, "rec11+[a].00000007%.wav", &t));
  ffc_seg_pattern_free (p);

  /* composite conversions, a repeated one, epoch seconds */
  p = ffc_seg_pattern_new ("%F_%T_%Y_{seq}.wav", NULL);
  g_assert_true (
      ffc_seg_pattern_match (p, "2026-11-24_03:20:32_2026_00000000.wav", &t));
  g_assert_cmpint (t, ==, T0);
  ffc_seg_pattern_free (p);
  p = ffc_seg_pattern_new ("%s-{run}.wav", NULL);
  g_assert_true (ffc_seg_pattern_match (p, "1795490432-0a1b2c3d.wav", &t));
  g_assert_cmpint (t, ==, T0);
  ffc_seg_pattern_free (p);
  /* a time without a date still has to be a time */
  p = ffc_seg_pattern_new ("%H%M%S.wav", NULL);
  g_assert_true (ffc_seg_pattern_match (p, "032032.wav", NULL));
  g_assert_false (ffc_seg_pattern_match (p, "256032.wav", NULL));
  ffc_seg_pattern_free (p);

  /* names spelled in words cannot be recognised strictly: refused */
  g_assert_null (ffc_seg_pattern_new ("%b-{seq}.wav", &error));
  g_assert_nonnull (strstr (error->message, "%b"));
  g_clear_error (&error);
  g_assert_null (ffc_seg_pattern_new ("{seq}%", &error));
  g_clear_error (&error);
}

static void
add_file (FfcRetDir *dir, const gchar *name, gint64 time_s, gint64 changed_us,
    guint64 bytes)
{
  FfcSegFile *f = g_new0 (FfcSegFile, 1);

  f->name = g_strdup (name);
  f->time_s = time_s;
  f->changed_us = changed_us;
  f->bytes = bytes;
  g_hash_table_insert (dir->files, f->name, f);
}

static void
make_dir (FfcRetDir *dir, gint64 min_age_us)
{
  ffc_ret_dir_init (dir);
  dir->min_age_us = min_age_us;
  dir->deletable = TRUE;
  dir->same_fs = TRUE;
}

static gchar *
joined (GPtrArray *names)
{
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (gchar **)names->pdata);
}

static void
expect_choice (const FfcRetDir *dirs, guint n, GHashTable *pending, gint64 now,
    guint64 need, const gchar *expected)
{
  GPtrArray *got = ffc_retention_choose (dirs, n, pending, now, need);
  gchar *text = joined (got);

  g_assert_cmpstr (text, ==, expected);
  g_free (text);
  g_ptr_array_unref (got);
}

static void
test_choose (void)
{
  const gint64 now = 1000 * G_USEC_PER_SEC;
  FfcRetDir dirs[2];
  GHashTable *pending = g_hash_table_new (g_str_hash, g_str_equal);

  make_dir (&dirs[0], 100 * G_USEC_PER_SEC);
  make_dir (&dirs[1], 100 * G_USEC_PER_SEC);
  /* the time in the name orders, not when the file appeared (c was
   * recovered from a crash later) */
  add_file (&dirs[0], "b", 20, 500 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "a", 10, 510 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "c", 5, 950 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "d", 30, 520 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "e", 40, 530 * G_USEC_PER_SEC, 10);

  /* alone: oldest first, as many as needed; c is younger than min-age */
  expect_choice (dirs, 1, NULL, now, 1, "a");
  expect_choice (dirs, 1, NULL, now, 11, "a,b");
  expect_choice (dirs, 1, NULL, now, 1000, "a,b,d,e");
  expect_choice (dirs, 1, NULL, now, 0, "");

  /* a partner: a name absent there goes alone; a partner's file counts
   * towards the space freed */
  add_file (&dirs[1], "a", 10, 510 * G_USEC_PER_SEC, 5);
  add_file (&dirs[1], "b", 20, 500 * G_USEC_PER_SEC, 5);
  expect_choice (dirs, 2, NULL, now, 15, "a");
  expect_choice (dirs, 2, NULL, now, 16, "a,b");
  /* the partner's side too young: the pair stays */
  add_file (&dirs[1], "d", 30, 990 * G_USEC_PER_SEC, 5);
  expect_choice (dirs, 2, NULL, now, 1000, "a,b,e");
  /* the name taken there by something its template did not make */
  g_hash_table_add (dirs[1].foreign, g_strdup ("e"));
  expect_choice (dirs, 2, NULL, now, 1000, "a,b");
  /* pending: the partner has not promoted it yet */
  g_hash_table_add (pending, "a");
  expect_choice (dirs, 2, pending, now, 1000, "b");
  /* a partner with retention off keeps its pairs whole */
  dirs[1].deletable = FALSE;
  expect_choice (dirs, 2, NULL, now, 1000, "");
  /* on another filesystem: deleted together, but frees nothing here */
  dirs[1].deletable = TRUE;
  dirs[1].same_fs = FALSE;
  expect_choice (dirs, 2, NULL, now, 20, "a,b");
  /* retention off here: nothing */
  dirs[0].deletable = FALSE;
  expect_choice (dirs, 2, NULL, now, 1000, "");

  g_hash_table_unref (pending);
  ffc_ret_dir_clear (&dirs[0]);
  ffc_ret_dir_clear (&dirs[1]);
}

/* A FLAC stream beside a WAV stream: "x.flac" pairs with "x.wav" */
static void
test_choose_across_formats (void)
{
  const gint64 now = 1000 * G_USEC_PER_SEC;
  FfcRetDir dirs[2];
  GHashTable *pending = g_hash_table_new (g_str_hash, g_str_equal);

  make_dir (&dirs[0], 0);
  make_dir (&dirs[1], 0);
  add_file (&dirs[0], "a.flac", 10, 500 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "b.flac", 20, 500 * G_USEC_PER_SEC, 10);
  add_file (&dirs[0], "c.flac", 30, 500 * G_USEC_PER_SEC, 10);
  add_file (&dirs[1], "a.wav", 10, 500 * G_USEC_PER_SEC, 20);
  add_file (&dirs[1], "b.wav", 20, 990 * G_USEC_PER_SEC, 20);
  g_assert_cmpstr (ffc_ret_dir_find (&dirs[1], "a.flac")->name, ==, "a.wav");
  g_assert_null (ffc_ret_dir_find (&dirs[1], "c.flac"));
  /* the partner's file counts (a: 10 + 20); b's twin is too young there */
  dirs[1].min_age_us = 100 * G_USEC_PER_SEC;
  expect_choice (dirs, 2, NULL, now, 30, "a.flac");
  expect_choice (dirs, 2, NULL, now, 31, "a.flac,c.flac");
  /* a twin pending on the partner's side, or held there by something its
   * template did not make, keeps the pair */
  g_hash_table_add (pending, "a.wav");
  expect_choice (dirs, 2, pending, now, 1000, "c.flac");
  g_hash_table_add (dirs[1].foreign, g_strdup ("c.wav"));
  expect_choice (dirs, 2, pending, now, 1000, "");

  g_hash_table_unref (pending);
  ffc_ret_dir_clear (&dirs[0]);
  ffc_ret_dir_clear (&dirs[1]);
}

/* Templates without a time: order by when files appeared. */
static void
test_choose_by_age (void)
{
  FfcRetDir dir;

  make_dir (&dir, 0);
  add_file (&dir, "x", G_MININT64, 300, 1);
  add_file (&dir, "y", G_MININT64, 100, 1);
  add_file (&dir, "z", G_MININT64, 200, 1);
  expect_choice (&dir, 1, NULL, 1000, 2, "y,z");
  ffc_ret_dir_clear (&dir);
}

static void
write_text (const gchar *dir, const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

static gboolean
exists (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean ok = g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK);
  g_free (path);
  return ok;
}

static void
rm_rf (const gchar *path)
{
  gchar *argv[] = { "rm", "-rf", (gchar *)path, NULL };
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      NULL, NULL);
}

static void
test_list (void)
{
  gchar *root = g_dir_make_tmp ("ffc-ret-XXXXXX", NULL);
  gint fd = ffc_dir_open (root, FALSE, NULL);
  FfcSegPattern *p = ffc_seg_pattern_new ("%Y%m%d-%H%M%S_{seq}.wav", NULL);
  gchar *sub = g_build_filename (root, "20261124-032032_00000009.wav", NULL);
  gchar *link = g_build_filename (root, "20261124-032032_00000001.wav", NULL);
  FfcSegFile *f;
  FfcRetDir dir;

  write_text (root, "20261124-032032_00000000.wav", "0123456789");
  write_text (root, "notes.txt", "keep");
  write_text (root, "other.wav", "keep");
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (symlink ("notes.txt", link), ==, 0);

  ffc_ret_dir_init (&dir);
  g_assert_true (ffc_ret_dir_list (fd, p, &dir, NULL));
  g_assert_cmpuint (g_hash_table_size (dir.files), ==, 1);
  f = g_hash_table_lookup (dir.files, "20261124-032032_00000000.wav");
  g_assert_nonnull (f);
  g_assert_cmpint (f->time_s, ==, T0);
  g_assert_cmpint (
      ABS (f->changed_us - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  /* a directory and a link with a segment's name are not segments */
  g_assert_cmpuint (g_hash_table_size (dir.foreign), ==, 4);
  g_assert_true (
      g_hash_table_contains (dir.foreign, "20261124-032032_00000001.wav"));
  ffc_ret_dir_clear (&dir);

  /* the fd's own position is not disturbed: listing twice works */
  ffc_ret_dir_init (&dir);
  g_assert_true (ffc_ret_dir_list (fd, p, &dir, NULL));
  g_assert_cmpuint (g_hash_table_size (dir.files), ==, 1);
  ffc_ret_dir_clear (&dir);

  ffc_seg_pattern_free (p);
  close (fd);
  rm_rf (root);
  g_free (sub);
  g_free (link);
  g_free (root);
}

static void
test_free_space (void)
{
  gint fd = open ("/", O_RDONLY | O_DIRECTORY);
  guint64 bytes = 0;
  GError *error = NULL;

  g_assert_true (ffc_free_space (fd, &bytes, NULL));
  close (fd);
  g_assert_false (ffc_free_space (fd, &bytes, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_BADF);
  g_clear_error (&error);
}

/* Two sinks of one run: pairs go together, or not at all. */
static void
test_pair_group (void)
{
  const gchar *template = "take_{run}_{seq}.wav";
  gchar *root = g_dir_make_tmp ("ffc-ret-XXXXXX", NULL);
  gchar *raw = g_build_filename (root, "raw", NULL);
  gchar *proc = g_build_filename (root, "processed", NULL);
  gint raw_fd = ffc_dir_open (raw, TRUE, NULL);
  gint proc_fd = ffc_dir_open (proc, TRUE, NULL);
  FfcPairMember *a, *b, *other;
  GError *error = NULL;
  GPtrArray *deleted;
  guint64 free_after = 0;
  gint scope, other_scope;
  gchar *names[5];

  a = ffc_pair_join (&scope, "0a1b2c3d", raw, raw_fd, template, TRUE, 0, NULL);
  b = ffc_pair_join (
      &scope, "0a1b2c3d", proc, proc_fd, template, TRUE, 0, NULL);
  other = ffc_pair_join (
      &other_scope, "0a1b2c3d", proc, proc_fd, template, TRUE, 0, NULL);
  g_assert_cmpuint (ffc_pair_size (a), ==, 2);
  g_assert_cmpuint (ffc_pair_size (other), ==, 1);
  /* one time origin for the group */
  g_assert_cmpint (ffc_pair_share_origin (a, 1000), ==, 1000);
  g_assert_cmpint (ffc_pair_share_origin (b, 2000), ==, 1000);
  g_assert_cmpint (ffc_pair_share_origin (other, 3000), ==, 3000);

  for (guint i = 0; i < 5; i++)
    names[i] = g_strdup_printf ("take_0a1b2c3d_%08u.wav", i);
  /* 0 and 1 on both sides; 2 on both, but raw/2 is a link; 3 only in raw,
   * whose partner has not promoted it yet; 4 only in processed, promoted
   * there long ago */
  for (guint i = 0; i < 4; i++) {
    if (i != 2)
      write_text (raw, names[i], "raw");
    ffc_pair_promoted (a, names[i]);
  }
  for (guint i = 0; i < 3; i++) {
    write_text (proc, names[i], "processed");
    ffc_pair_promoted (b, names[i]);
  }
  g_assert_cmpint (symlinkat ("/etc/hostname", raw_fd, names[2]), ==, 0);
  write_text (proc, names[4], "processed");
  write_text (raw, "notes.txt", "keep");
  write_text (proc, "take_0a1b2c3d_00000001-1.wav", "keep");

  /* min-free-space beyond any disk: everything that may go, goes */
  deleted = ffc_pair_make_room (
      a, G_MAXUINT64, g_get_real_time (), TRUE, &free_after, &error);
  g_assert_no_error (error);
  g_assert_nonnull (deleted);
  g_assert_cmpuint (deleted->len, ==, 4);
  for (guint i = 0; i < 2; i++) {
    g_assert_false (exists (raw, names[i]));
    g_assert_false (exists (proc, names[i]));
  }
  g_assert_true (exists (raw, names[2]));  /* not a segment: kept ... */
  g_assert_true (exists (proc, names[2])); /* ... and so its partner */
  g_assert_true (exists (raw, names[3]));  /* pending on the other side */
  g_assert_true (exists (proc, names[4])); /* not raw's to choose */
  g_assert_true (exists (raw, "notes.txt"));
  g_assert_true (exists (proc, "take_0a1b2c3d_00000001-1.wav"));
  g_assert_cmpuint (free_after, >, 0);
  {
    FfcDeleted *d = deleted->pdata[0];
    gchar *expect = g_build_filename (raw, names[0], NULL);
    g_assert_cmpstr (d->path, ==, expect);
    g_assert_cmpuint (d->bytes, >, 0);
    g_free (expect);
  }
  g_ptr_array_unref (deleted);

  /* once processed has promoted it too, the pair may go */
  write_text (proc, names[3], "processed");
  ffc_pair_promoted (b, names[3]);
  deleted =
      ffc_pair_make_room (a, G_MAXUINT64, g_get_real_time (), TRUE, NULL, NULL);
  g_assert_cmpuint (deleted->len, ==, 2);
  g_assert_false (exists (raw, names[3]));
  g_assert_false (exists (proc, names[3]));
  g_ptr_array_unref (deleted);

  /* nothing is deleted while free space is enough */
  write_text (raw, names[0], "raw");
  deleted = ffc_pair_make_room (a, 0, g_get_real_time (), TRUE, NULL, NULL);
  g_assert_cmpuint (deleted->len, ==, 0);
  g_ptr_array_unref (deleted);
  g_assert_true (exists (raw, names[0]));

  ffc_pair_leave (a);
  ffc_pair_leave (b);
  ffc_pair_leave (other);
  for (guint i = 0; i < 5; i++)
    g_free (names[i]);
  close (raw_fd);
  close (proc_fd);
  rm_rf (root);
  g_free (raw);
  g_free (proc);
  g_free (root);
}

static void
test_join_refuses_unknown_names (void)
{
  gchar *root = g_dir_make_tmp ("ffc-ret-XXXXXX", NULL);
  gint fd = ffc_dir_open (root, FALSE, NULL);
  GError *error = NULL;
  FfcPairMember *m;
  gint scope;

  /* retention on needs to recognise its names */
  m = ffc_pair_join (
      &scope, "0a1b2c3d", root, fd, "%B_{seq}.wav", TRUE, 0, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* off, the sink still pairs, and never deletes */
  m = ffc_pair_join (
      &scope, "0a1b2c3d", root, fd, "%B_{seq}.wav", FALSE, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  ffc_pair_leave (m);
  close (fd);
  rm_rf (root);
  g_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/retention/run-id", test_run_id);
  g_test_add_func ("/retention/pattern-default", test_pattern_default);
  g_test_add_func ("/retention/pattern-others", test_pattern_others);
  g_test_add_func ("/retention/choose", test_choose);
  g_test_add_func ("/retention/choose-by-age", test_choose_by_age);
  g_test_add_func (
      "/retention/choose-across-formats", test_choose_across_formats);
  g_test_add_func ("/retention/list", test_list);
  g_test_add_func ("/retention/free-space", test_free_space);
  g_test_add_func ("/retention/pair-group", test_pair_group);
  g_test_add_func ("/retention/join-refuses", test_join_refuses_unknown_names);
  return g_test_run ();
}
