/* ms_h5.c - atomic parallel HDF5 output with provenance; attribute and group helpers. */
#include "ms_h5.h"
#include "ms_error.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_provenance.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <omp.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void ms_utc_now(char buf[32])
{
  time_t    t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static hid_t mpio_fapl(MPI_Comm comm)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  /* Metadata read once by rank 0 and broadcast, written collectively: scales to many ranks. */
  H5Pset_all_coll_metadata_ops(fapl, 1);
  H5Pset_coll_metadata_write(fapl, 1);
  /* The 1.8 object format stores an attribute too large for an object header (the column
     names of a table with more than ~4,000 columns exceed 64 KiB) in dense storage, where
     the earliest format fails. Readable by HDF5 >= 1.8 (every h5py). */
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  /* Closing the file closes whatever an error path left open in it, so no failed read keeps
     the file (and its metadata cache) alive (tests/fuzz/fuzz_h5 grew by 350 KB per input). */
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  return fapl;
}

static PetscErrorCode file_new(MPI_Comm comm, const char *path, ms_h5_file *f)
{
  PetscFunctionBegin;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* failures are reported by us, with names */
  PetscCall(PetscNew(f));
  (*f)->comm = comm;
  (*f)->fid  = -1;
  PetscCall(PetscStrallocpy(path, &(*f)->path));
  ms_utc_now((*f)->start_utc);
  PetscFunctionReturn(0);
}

static PetscErrorCode file_free(ms_h5_file *f)
{
  PetscFunctionBegin;
  PetscCall(PetscFree((*f)->path));
  PetscCall(PetscFree((*f)->partial));
  PetscCall(PetscFree((*f)->inputs));
  ms_strings_free((*f)->n_inputs, &(*f)->input_paths);
  PetscCall(PetscFree(*f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_create(MPI_Comm comm, const char *path, ms_h5_file *f)
{
  size_t len = strlen(path) + 16;
  PetscFunctionBegin;
  PetscCall(ms_output_check(comm, path));
  PetscCall(file_new(comm, path, f));
  PetscCall(PetscMalloc1(len, &(*f)->partial));
  snprintf((*f)->partial, len, "%s.partial", path);
  PetscCall(ms_output_register((*f)->partial));
  hid_t fapl = mpio_fapl(comm);
  (*f)->fid  = H5Fcreate((*f)->partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  PetscCheck((*f)->fid >= 0, comm, MS_ERR_FILE, "cannot create output file '%s' (does the directory exist and is it writable?)",
             (*f)->partial);
  PetscFunctionReturn(0);
}

static PetscErrorCode open_existing(MPI_Comm comm, const char *path, unsigned flags, ms_h5_file *f)
{
  struct stat st;
  PetscFunctionBegin;
  PetscCall(file_new(comm, path, f));
  PetscCheck(stat(path, &st) == 0, comm, MS_ERR_FILE, "cannot open '%s': %s", path, strerror(errno));
  PetscCheck(H5Fis_hdf5(path) > 0, comm, MS_ERR_READ, "'%s' is not an HDF5 file", path);
  hid_t fapl  = mpio_fapl(comm);
  (*f)->fid   = H5Fopen(path, flags, fapl);
  H5Pclose(fapl);
  PetscCheck((*f)->fid >= 0, comm, MS_ERR_FILE, "cannot open HDF5 file '%s'%s", path, flags == H5F_ACC_RDWR ? " for update" : "");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_open_read(MPI_Comm comm, const char *path, ms_h5_file *f)
{
  PetscFunctionBegin;
  PetscCall(open_existing(comm, path, H5F_ACC_RDONLY, f));
  PetscCall(ms_input_register(path));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_open_rw(MPI_Comm comm, const char *path, ms_h5_file *f)
{
  PetscFunctionBegin;
  PetscCall(open_existing(comm, path, H5F_ACC_RDWR, f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_close(ms_h5_file *f)
{
  PetscFunctionBegin;
  if (!*f) PetscFunctionReturn(0);
  if ((*f)->fid >= 0) H5Fclose((*f)->fid);
  PetscCall(file_free(f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_add_input(ms_h5_file f, const char *path)
{
  struct stat st;
  char        item[PETSC_MAX_PATH_LEN + 64];
  PetscFunctionBegin;
  snprintf(item, sizeof item, "%s (%lld bytes)", path, stat(path, &st) == 0 ? (long long)st.st_size : -1LL);
  size_t old = f->inputs ? strlen(f->inputs) : 0;
  char  *s;
  PetscCall(PetscMalloc1(old + strlen(item) + 3, &s));
  snprintf(s, old + strlen(item) + 3, "%s%s%s", f->inputs ? f->inputs : "", old ? "; " : "", item);
  PetscCall(PetscFree(f->inputs));
  f->inputs = s;
  {
    char **np;
    PetscCall(PetscMalloc1(f->n_inputs + 1, &np));
    for (int i = 0; i < f->n_inputs; i++) np[i] = f->input_paths[i];
    PetscCall(PetscStrallocpy(path, &np[f->n_inputs]));
    PetscCall(PetscFree(f->input_paths));
    f->input_paths = np;
    f->n_inputs++;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_write_provenance(ms_h5_file f)
{
  char        end[32], *cmd;
  PetscMPIInt size;
  PetscFunctionBegin;
  ms_utc_now(end);
  PetscCallMPI(MPI_Comm_size(f->comm, &size));
  PetscCall(ms_options_command_line(&cmd));
  PetscCall(ms_h5_attr_set_string(f->fid, "matscreen_version", ms_version()));
  PetscCall(ms_h5_attr_set_string(f->fid, "git_commit", ms_git_commit()));
  PetscCall(ms_h5_attr_set_string(f->fid, "command_line", cmd));
  PetscCall(ms_h5_attr_set_int(f->fid, "n_ranks", size));
  PetscCall(ms_h5_attr_set_int(f->fid, "n_threads", omp_get_max_threads()));
  PetscCall(ms_h5_attr_set_string(f->fid, "start_utc", f->start_utc));
  PetscCall(ms_h5_attr_set_string(f->fid, "end_utc", end));
  PetscCall(ms_h5_attr_set_string(f->fid, "inputs", f->inputs ? f->inputs : ""));
  PetscCall(ms_provenance_write_h5(f->fid, f->n_inputs, f->input_paths));
  PetscCall(PetscFree(cmd));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_commit(ms_h5_file *f)
{
  PetscMPIInt rank;
  int         rc = 0;
  PetscFunctionBegin;
  PetscCall(ms_h5_write_provenance(*f));
  PetscCheck(H5Fclose((*f)->fid) >= 0, (*f)->comm, MS_ERR_FILE, "error closing '%s' (disk full?)", (*f)->partial);
  (*f)->fid = -1;
  PetscCallMPI(MPI_Comm_rank((*f)->comm, &rank));
  PetscCallMPI(MPI_Barrier((*f)->comm));
  if (!rank) rc = rename((*f)->partial, (*f)->path) ? errno : 0;
  PetscCallMPI(MPI_Bcast(&rc, 1, MPI_INT, 0, (*f)->comm));
  PetscCheck(!rc, (*f)->comm, MS_ERR_FILE, "cannot rename '%s' to '%s': %s", (*f)->partial, (*f)->path, strerror(rc));
  PetscCall(ms_output_unregister((*f)->partial));
  PetscCall(file_free(f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_discard(ms_h5_file *f)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  if (!*f) PetscFunctionReturn(0);
  if ((*f)->fid >= 0) H5Fclose((*f)->fid);
  PetscCallMPI(MPI_Comm_rank((*f)->comm, &rank));
  PetscCallMPI(MPI_Barrier((*f)->comm));
  if ((*f)->partial) {
    if (!rank) remove((*f)->partial);
    PetscCall(ms_output_unregister((*f)->partial));
  }
  PetscCall(file_free(f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_lock(MPI_Comm comm, const char *path, int *fd)
{
  PetscMPIInt rank;
  char        lock[PETSC_MAX_PATH_LEN + 8], holder[256] = "", msg[PETSC_MAX_PATH_LEN + 512] = "";
  int         code = 0; /* 0 locked, 1 busy, 2 cannot create, 3 no locking here */
  PetscFunctionBegin;
  *fd = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  snprintf(lock, sizeof lock, "%s.lock", path);
  if (!rank) {
    *fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0) {
      code = 2;
      snprintf(msg, sizeof msg, "%s", strerror(errno));
    } else if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        ssize_t n = pread(*fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = 0;
        holder[strcspn(holder, "\n")] = 0;
        code = 1;
      } else {
        code = 3;
        snprintf(msg, sizeof msg, "%s", strerror(errno));
      }
      close(*fd);
      *fd = -1;
    } else {
      char host[128] = "?", me[256];
      gethostname(host, sizeof host - 1);
      int len = snprintf(me, sizeof me, "pid %ld on host %s\n", (long)getpid(), host);
      if (ftruncate(*fd, 0) != 0 || pwrite(*fd, me, (size_t)len, 0) != len) { /* the lock holds without the note */ }
    }
  }
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(holder, sizeof holder, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(code != 1, comm, MS_ERR_FILE,
             "'%s' is being written by another run (%s, lock file '%s'): wait for it to end or stop it; two runs on one file would "
             "do the same rows twice",
             path, holder[0] ? holder : "holder unknown", lock);
  PetscCheck(code != 2, comm, MS_ERR_FILE, "cannot create the lock file '%s': %s (is the directory writable?)", lock, msg);
  if (code == 3)
    PetscCall(ms_warn(comm, "the file system refuses locks on '%s' (%s): running unlocked; do not start two "
                                "runs on '%s' at once (on Lustre, mount with -o flock)\n", lock, msg, path));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_unlock(MPI_Comm comm, const char *path, int *fd)
{
  char lock[PETSC_MAX_PATH_LEN + 8];
  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(comm)); /* every rank has closed the file */
  if (*fd >= 0) {
    snprintf(lock, sizeof lock, "%s.lock", path);
    unlink(lock); /* while still holding it: a run that opened the old inode is refused, a later one makes a new file */
    close(*fd);
    *fd = -1;
  }
  PetscFunctionReturn(0);
}
