/* Unit tests: staging files and their atomic promotion. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-promote.h"
#include "ffc-wav.h"

static gchar *
file_text (const gchar *dir, const gchar *name)
{
  gchar *path = g_build_filename (dir, name, NULL), *text = NULL;
  g_file_get_contents (path, &text, NULL, NULL);
  g_free (path);
  return text;
}

static void
write_text (const gchar *dir, const gchar *name, const gchar *text)
{
  gchar *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
}

static void
test_promote_never_replaces (void)
{
  gchar *root = g_dir_make_tmp ("ffc-promote-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  gint data_fd = ffc_dir_open (root, TRUE, NULL);
  gint staging_fd = ffc_dir_open (staging, TRUE, NULL);
  gchar *got, *text;

  g_assert_cmpint (data_fd, >=, 0);
  g_assert_cmpint (staging_fd, >=, 0);
  write_text (root, "seg.wav", "consumer's file");
  write_text (staging, "seg.wav", "new segment");

  got = ffc_promote (staging_fd, "seg.wav", data_fd, "seg.wav", TRUE, NULL);
  /* the existing file is untouched; the new one gets a free name */
  g_assert_cmpstr (got, ==, "seg-1.wav");
  text = file_text (root, "seg.wav");
  g_assert_cmpstr (text, ==, "consumer's file");
  g_free (text);
  text = file_text (root, "seg-1.wav");
  g_assert_cmpstr (text, ==, "new segment");
  g_free (text);
  text = file_text (staging, "seg.wav");
  g_assert_null (text);
  g_free (got);

  close (data_fd);
  close (staging_fd);
  g_free (staging);
  g_free (root);
}

static void
test_staging_create_never_follows_links (void)
{
  gchar *root = g_dir_make_tmp ("ffc-staging-XXXXXX", NULL);
  gchar *target = g_build_filename (root, "victim", NULL);
  gchar *link = g_build_filename (root, "seg.wav", NULL);
  gint staging_fd = ffc_dir_open (root, FALSE, NULL);
  gchar *created = NULL, *text;
  gint fd;

  write_text (root, "victim", "precious");
  g_assert_cmpint (symlink (target, link), ==, 0);

  fd = ffc_staging_create (staging_fd, "seg.wav", &created, NULL);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpstr (created, ==, "seg-1.wav");
  g_assert_cmpint (write (fd, "audio", 5), ==, 5);
  close (fd);
  text = file_text (root, "victim");
  g_assert_cmpstr (text, ==, "precious");
  g_free (text);
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));

  g_free (created);
  close (staging_fd);
  g_free (target);
  g_free (link);
  g_free (root);
}

static void
test_directories (void)
{
  gchar *root = g_dir_make_tmp ("ffc-dirs-XXXXXX", NULL);
  gchar *deep = g_build_filename (root, "a", "b", "c", NULL);
  gchar *file = g_build_filename (root, "plain", NULL);
  gchar *under_file = g_build_filename (file, "x", NULL);
  GError *error = NULL;
  gint a, b, shm;

  a = ffc_dir_open (deep, TRUE, &error);
  g_assert_no_error (error);
  b = ffc_dir_open (root, FALSE, &error);
  g_assert_true (ffc_dirs_same_filesystem (a, b));

  write_text (root, "plain", "x");
  g_assert_cmpint (ffc_dir_open (file, TRUE, &error), ==, -1);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);
  g_assert_cmpint (ffc_dir_open (under_file, TRUE, &error), ==, -1);
  g_assert_nonnull (strstr (error->message, "cannot create directory"));
  g_clear_error (&error);

  /* /dev/shm is a tmpfs of its own wherever root is */
  shm = ffc_dir_open ("/dev/shm", FALSE, NULL);
  if (shm >= 0) {
    struct stat s1, s2;
    fstat (shm, &s1);
    fstat (b, &s2);
    g_assert_cmpint (
        ffc_dirs_same_filesystem (shm, b), ==, s1.st_dev == s2.st_dev);
    close (shm);
  }
  close (a);
  close (b);
  g_free (deep);
  g_free (file);
  g_free (under_file);
  g_free (root);
}

static void
test_suffixes (void)
{
  gchar *s = ffc_name_with_suffix ("a.b.wav", 3);
  g_assert_cmpstr (s, ==, "a.b-3.wav");
  g_free (s);
  s = ffc_name_with_suffix ("noext", 1);
  g_assert_cmpstr (s, ==, "noext-1");
  g_free (s);
  s = ffc_name_with_suffix ("x.wav", 0);
  g_assert_cmpstr (s, ==, "x.wav");
  g_free (s);
}

static void
test_staging_deleted (void)
{
  gchar *root = g_dir_make_tmp ("ffc-staging-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  gchar *created = NULL, *copied = NULL, *text;
  GError *error = NULL;
  gboolean recreated;
  gint dir, fd, out;

  dir = ffc_dir_open (staging, TRUE, &error);
  g_assert_no_error (error);
  fd = ffc_staging_create (dir, "seg.wav", &created, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (fd, "header+audio", 12), ==, 12);

  /* nothing changes while staging is there */
  g_assert_true (ffc_staging_ensure (&dir, staging, &recreated, &error));
  g_assert_false (recreated);

  /* rm -rf staging, with the segment open */
  g_assert_cmpint (unlinkat (dir, "seg.wav", 0), ==, 0);
  g_assert_cmpint (g_rmdir (staging), ==, 0);
  g_assert_true (ffc_staging_ensure (&dir, staging, &recreated, &error));
  g_assert_no_error (error);
  g_assert_true (recreated);
  g_assert_true (g_file_test (staging, G_FILE_TEST_IS_DIR));

  /* the open file's content is saved under its name, and writing goes on */
  out = ffc_staging_copy (dir, fd, "seg.wav", &copied, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copied, ==, "seg.wav");
  g_assert_cmpint (write (out, "+more", 5), ==, 5);
  text = file_text (staging, "seg.wav");
  g_assert_cmpstr (text, ==, "header+audio+more");

  g_free (text);
  g_free (created);
  g_free (copied);
  close (out);
  close (fd);
  close (dir);
  text = g_build_filename (staging, "seg.wav", NULL);
  g_assert_cmpint (g_unlink (text), ==, 0);
  g_free (text);
  g_rmdir (staging);
  g_rmdir (root);
  g_free (staging);
  g_free (root);
}

static gboolean
repair_wav (gint fd, guint64 *frames, guint64 *trimmed_bytes,
    gpointer user_data, GError **error)
{
  FfcWavRepair repair;

  if (!ffc_wav_repair (fd, &repair, error))
    return FALSE;
  *frames = repair.frames;
  *trimmed_bytes = repair.trimmed_bytes;
  return TRUE;
}

static const FfcOrphan *
outcome_of (GPtrArray *orphans, const gchar *name)
{
  for (guint i = 0; i < orphans->len; i++) {
    const FfcOrphan *o = orphans->pdata[i];
    if (g_strcmp0 (o->name, name) == 0)
      return o;
  }
  return NULL;
}

/* A torn WAV of 1000 mono S16 frames whose header sizes are still zero */
static gsize
torn_wav (guint8 *file)
{
  FfcWavLayout l;
  gsize hs =
      ffc_wav_header_init (&l, FFC_SAMPLE_S16LE, 48000, 1, NULL, 0, NULL, file);

  memset (file + hs, 7, 2000);
  return hs + 2000;
}

/* Recovery never touches a file a live writer holds (two recorders on one
 * staging directory); it repairs a torn one nobody holds, and removes an
 * empty one. */
static void
test_recovery_skips_locked (void)
{
  gchar *root = g_dir_make_tmp ("ffc-recover-XXXXXX", NULL);
  gchar *staging = g_build_filename (root, ".buffer", NULL);
  gint data_fd = ffc_dir_open (root, TRUE, NULL);
  gint staging_fd = ffc_dir_open (staging, TRUE, NULL);
  guint8 file[FFC_WAV_MAX_HEADER + 2000];
  gsize len = torn_wav (file);
  gchar *created = NULL, *path, *other;
  const FfcOrphan *o;
  GPtrArray *orphans;
  GError *error = NULL;
  gint live, again;

  /* a live writer's segment, half written and locked */
  live = ffc_staging_create (staging_fd, "live.wav", &created, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (live, file, len), ==, (gssize)len);
  /* a close () of another descriptor of the file keeps the lock (OFD, not
   * a per-process POSIX lock) */
  other = g_build_filename (staging, "live.wav", NULL);
  again = open (other, O_RDONLY);
  g_assert_cmpint (again, >=, 0);
  close (again);
  /* a crash's torn file, and a file created and never written */
  path = g_build_filename (staging, "torn.wav", NULL);
  g_assert_true (g_file_set_contents (path, (gchar *)file, len, NULL));
  g_free (path);
  write_text (staging, "empty.wav", "");

  orphans = ffc_staging_recover (staging_fd, data_fd, FALSE, repair_wav, NULL);
  o = outcome_of (orphans, "live.wav");
  g_assert_nonnull (o);
  g_assert_cmpint (o->outcome, ==, FFC_ORPHAN_SKIPPED_LOCKED);
  o = outcome_of (orphans, "torn.wav");
  g_assert_nonnull (o);
  g_assert_cmpint (o->outcome, ==, FFC_ORPHAN_RECOVERED);
  g_assert_cmpstr (o->moved_to, ==, "torn.wav");
  g_assert_cmpuint (o->frames, ==, 1000);
  o = outcome_of (orphans, "empty.wav");
  g_assert_nonnull (o);
  g_assert_cmpint (o->outcome, ==, FFC_ORPHAN_REMOVED_EMPTY);
  g_ptr_array_unref (orphans);
  /* the live one is where it was, as it was; the others are gone */
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
  path = g_build_filename (staging, "empty.wav", NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_free (path);
  path = g_build_filename (root, "torn.wav", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_free (path);

  /* finished and sealed, it is still held */
  live = ffc_staging_seal (live);
  g_assert_cmpint (fcntl (live, F_GETFL) & O_ACCMODE, ==, O_RDONLY);
  orphans = ffc_staging_recover (staging_fd, data_fd, FALSE, repair_wav, NULL);
  g_assert_cmpuint (orphans->len, ==, 1);
  o = orphans->pdata[0];
  g_assert_cmpint (o->outcome, ==, FFC_ORPHAN_SKIPPED_LOCKED);
  g_ptr_array_unref (orphans);

  /* the writer promotes it, still holding it, then lets go */
  g_free (ffc_promote (staging_fd, created, data_fd, created, FALSE, &error));
  g_assert_no_error (error);
  close (live);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));

  /* a writer that died: its file is nobody's, and recovered */
  g_clear_pointer (&created, g_free);
  live = ffc_staging_create (staging_fd, "dead.wav", &created, &error);
  g_assert_cmpint (write (live, file, len), ==, (gssize)len);
  close (live);
  orphans = ffc_staging_recover (staging_fd, data_fd, FALSE, repair_wav, NULL);
  g_assert_cmpuint (orphans->len, ==, 1);
  o = orphans->pdata[0];
  g_assert_cmpint (o->outcome, ==, FFC_ORPHAN_RECOVERED);
  g_ptr_array_unref (orphans);
  g_free (created);

  close (data_fd);
  close (staging_fd);
  g_free (other);
  g_free (staging);
  g_free (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/promote/never-replaces", test_promote_never_replaces);
  g_test_add_func (
      "/promote/no-links", test_staging_create_never_follows_links);
  g_test_add_func ("/promote/directories", test_directories);
  g_test_add_func ("/promote/suffixes", test_suffixes);
  g_test_add_func ("/promote/staging-deleted", test_staging_deleted);
  g_test_add_func (
      "/promote/recovery-skips-locked", test_recovery_skips_locked);
  return g_test_run ();
}
