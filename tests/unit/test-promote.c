/* Unit tests: staging files and their atomic promotion. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ffc-promote.h"

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
  return g_test_run ();
}
