/* keep_dsos.c - LD_PRELOAD'ed into every process of the sanitizer tests: dlclose() does nothing.
 *
 * Open MPI loads its components (mca_*.so) with dlopen and unloads them in MPI_Finalize, before
 * LeakSanitizer runs at exit. The allocations they keep until exit by design then point into
 * unmapped code, "<unknown module>", which no suppression can name. Keeping every library
 * mapped lets tests/sanitize/lsan.supp name them by library (leak:mca_) from the first few
 * frames, so ASan records 8 frames per allocation instead of 30: the deep stacks that naming
 * them otherwise needed made the sanitizer pass about 3x slower. Built without sanitizers:
 * it is also preloaded into python and mpiexec. */
int dlclose(void *handle)
{
  (void)handle;
  return 0;
}
