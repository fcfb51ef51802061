/*
 * Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer,
 * so `make check` runs every corpus file with any compiler (and under ASan
 * with --enable-sanitizers). Directory: argv[1], or $MAPLAT_FUZZ_CORPUS_DIR/<name>
 * where the program is called replay_<name>.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    const char *base = getenv("MAPLAT_FUZZ_CORPUS_DIR");
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const char *name;
    if (strncmp(prog, "lt-", 3) == 0) {
        prog += 3; /* libtool wrapper */
    }
    name = strncmp(prog, "replay_", 7) == 0 ? prog + 7 : prog;
    char dirbuf[2048];
    const char *dir = argc > 1 ? argv[1] : NULL;
    if (!dir && base) {
        snprintf(dirbuf, sizeof(dirbuf), "%s/%s", base, name);
        dir = dirbuf;
    }
    DIR *d;
    struct dirent *e;
    int n = 0;

    if (!dir || !(d = opendir(dir))) {
        fprintf(stderr, "replay: no corpus directory (argv[1] or MAPLAT_FUZZ_CORPUS_DIR)\n");
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        char path[8192];
        FILE *f;
        long len;
        uint8_t *buf;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "rb"))) {
            continue;
        }
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(len > 0 ? (size_t)len : 1);
        if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
            LLVMFuzzerTestOneInput(buf, (size_t)len);
            n++;
        }
        free(buf);
        fclose(f);
    }
    closedir(d);
    printf("replayed %d corpus files from %s\n", n, dir);
    return n > 0 ? 0 : 1;
}
