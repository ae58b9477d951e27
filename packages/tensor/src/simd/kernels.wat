;; Hand-written WebAssembly SIMD (f32x4) kernels for @snn/tensor.
;;
;; After editing this file, regenerate the embedded module:
;;     cd packages/tensor && pnpm build:wasm        (node scripts/build-wasm.mjs)
;; which writes src/simd/kernels.generated.ts (checked in; a test fails when it is stale).
;;
;; Conventions
;; - every matrix is f32, row-major; pointers are BYTE offsets into the imported memory;
;;   leading dimensions (lda, ldb, ldc, ldSrc, ldDst) are in ELEMENTS;
;; - dimensions (m, n, k) describe op(A) [m,k], op(B) [k,n] and C [m,n], never the stored layout;
;; - nothing here validates its arguments: the TypeScript wrapper (workspace.ts) does, once per call;
;; - C must not overlap A or B (A and B are packed slice by slice while C is being written).
;;
;; Memory layout: the memory is imported (env.memory) and SHARED, so growing it from JavaScript
;; never detaches existing Float32Array views. Bytes [0, HEAP_BASE) are the kernels' private
;; scratch (packed panels of A and B, one 4x8 edge tile); the wrapper allocates above $heap_base.
;;
;;   PA   = 0        packed block of op(A): MC x KC floats       (64 * 256 * 4 = 65536 bytes)
;;   PB   = 65536    packed slice of op(B): KC x NC floats       (256 * 512 * 4 = 524288 bytes)
;;   TILE = 589824   one 4x8 accumulator tile for edge stores    (128 bytes; block_carry stages e <= 8 vectors there)
;;   HEAP_BASE = 1048576 (16 pages)
;;
;; GEMM structure (Goto/BLIS style): for each NC-column block of C and each KC-deep slice,
;; op(B)[slice, block] is packed into 8-column panels (element (p, c) at p*8 + c), then for each
;; MC-row block op(A) is packed into 4-row panels (element (r, p) at p*4 + r); panels are
;; zero-padded, so one 4x8 register-blocked micro-kernel (8 v128 accumulators, per k step: two
;; v128 loads of B, four load32_splat of A, 8 mul + 8 add) computes every tile, and only the store
;; of an edge tile (m % 4, n % 8) takes a scalar path. The 8 KiB B micro-panel stays in L1 while
;; the A block streams from L2. The transpose cases differ only in how the panels are packed.
(module
  (import "env" "memory" (memory 16 65536 shared))

  (global $heap_base (export "heap_base") i32 (i32.const 1048576))

  ;; Blocking constants (keep in sync with the layout above).
  ;; MC = 64, KC = 256, NC = 512; PA = 0, PB = 65536, TILE = 589824.

  ;; ------------------------------------------------------------------------------------------
  ;; 4x8 micro-kernel: acc = sum_p Apanel[p, 0:4]^T * Bpanel[p, 0:8] over kc steps, then
  ;; C[0:mr, 0:nr] = alpha * acc + beta * C (beta == 0 overwrites without reading C).
  ;; $ldc is in BYTES here.
  ;; ------------------------------------------------------------------------------------------
  (func $kernel_4x8
    (param $kc i32) (param $pa i32) (param $pb i32) (param $c i32) (param $ldc i32)
    (param $mr i32) (param $nr i32) (param $alpha f32) (param $beta f32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $a v128)
    (local $va v128) (local $vb v128)
    (local $p i32) (local $r i32) (local $j i32) (local $cp i32) (local $tp i32)
    (local $t f32)

    ;; k loop, unrolled by two (kc >= 1 always)
    (local.set $p (i32.shr_u (local.get $kc) (i32.const 1)))
    (if (local.get $p)
      (then
        (loop $k2
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $a (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))

          (local.set $b0 (v128.load offset=32 (local.get $pb)))
          (local.set $b1 (v128.load offset=48 (local.get $pb)))
          (local.set $a (v128.load32_splat offset=16 (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=20 (local.get $pa)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=24 (local.get $pa)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
          (local.set $a (v128.load32_splat offset=28 (local.get $pa)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))

          (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
          (br_if $k2 (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
    ;; odd tail step
    (if (i32.and (local.get $kc) (i32.const 1))
      (then
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $a (v128.load32_splat (local.get $pa)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a) (local.get $b1))))
        (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a) (local.get $b1))))))

    ;; acc *= alpha
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $c00 (f32x4.mul (local.get $c00) (local.get $va)))
    (local.set $c01 (f32x4.mul (local.get $c01) (local.get $va)))
    (local.set $c10 (f32x4.mul (local.get $c10) (local.get $va)))
    (local.set $c11 (f32x4.mul (local.get $c11) (local.get $va)))
    (local.set $c20 (f32x4.mul (local.get $c20) (local.get $va)))
    (local.set $c21 (f32x4.mul (local.get $c21) (local.get $va)))
    (local.set $c30 (f32x4.mul (local.get $c30) (local.get $va)))
    (local.set $c31 (f32x4.mul (local.get $c31) (local.get $va)))

    ;; full tile: vector stores straight into C
    (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8)))
      (then
        (local.set $cp (local.get $c))
        (if (f32.eq (local.get $beta) (f32.const 0))
          (then
            (v128.store (local.get $cp) (local.get $c00))
            (v128.store offset=16 (local.get $cp) (local.get $c01))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store (local.get $cp) (local.get $c10))
            (v128.store offset=16 (local.get $cp) (local.get $c11))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store (local.get $cp) (local.get $c20))
            (v128.store offset=16 (local.get $cp) (local.get $c21))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (v128.store (local.get $cp) (local.get $c30))
            (v128.store offset=16 (local.get $cp) (local.get $c31)))
          (else
            (if (f32.eq (local.get $beta) (f32.const 1))
              (then
                (v128.store (local.get $cp) (f32x4.add (local.get $c00) (v128.load (local.get $cp))))
                (v128.store offset=16 (local.get $cp) (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $cp))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp) (f32x4.add (local.get $c10) (v128.load (local.get $cp))))
                (v128.store offset=16 (local.get $cp) (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $cp))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp) (f32x4.add (local.get $c20) (v128.load (local.get $cp))))
                (v128.store offset=16 (local.get $cp) (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $cp))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp) (f32x4.add (local.get $c30) (v128.load (local.get $cp))))
                (v128.store offset=16 (local.get $cp) (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $cp)))))
              (else
                (local.set $vb (f32x4.splat (local.get $beta)))
                (v128.store (local.get $cp)
                  (f32x4.add (local.get $c00) (f32x4.mul (local.get $vb) (v128.load (local.get $cp)))))
                (v128.store offset=16 (local.get $cp)
                  (f32x4.add (local.get $c01) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $cp)))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp)
                  (f32x4.add (local.get $c10) (f32x4.mul (local.get $vb) (v128.load (local.get $cp)))))
                (v128.store offset=16 (local.get $cp)
                  (f32x4.add (local.get $c11) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $cp)))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp)
                  (f32x4.add (local.get $c20) (f32x4.mul (local.get $vb) (v128.load (local.get $cp)))))
                (v128.store offset=16 (local.get $cp)
                  (f32x4.add (local.get $c21) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $cp)))))
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp)
                  (f32x4.add (local.get $c30) (f32x4.mul (local.get $vb) (v128.load (local.get $cp)))))
                (v128.store offset=16 (local.get $cp)
                  (f32x4.add (local.get $c31) (f32x4.mul (local.get $vb) (v128.load offset=16 (local.get $cp)))))))))
        (return)))

    ;; edge tile: spill alpha*acc to TILE (row r, col j at r*32 + j*4), then store the valid part
    (v128.store offset=589824 (i32.const 0) (local.get $c00))
    (v128.store offset=589840 (i32.const 0) (local.get $c01))
    (v128.store offset=589856 (i32.const 0) (local.get $c10))
    (v128.store offset=589872 (i32.const 0) (local.get $c11))
    (v128.store offset=589888 (i32.const 0) (local.get $c20))
    (v128.store offset=589904 (i32.const 0) (local.get $c21))
    (v128.store offset=589920 (i32.const 0) (local.get $c30))
    (v128.store offset=589936 (i32.const 0) (local.get $c31))
    (local.set $r (i32.const 0))
    (loop $rows
      (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $tp (i32.add (i32.const 589824) (i32.shl (local.get $r) (i32.const 5))))
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $t (f32.load (local.get $tp)))
        (if (f32.eq (local.get $beta) (f32.const 0))
          (then (f32.store (local.get $cp) (local.get $t)))
          (else
            (f32.store (local.get $cp)
              (f32.add (local.get $t) (f32.mul (local.get $beta) (f32.load (local.get $cp)))))))
        (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
        (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
        (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nr))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $mr)))))

  ;; ------------------------------------------------------------------------------------------
  ;; Pack rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) into PA as 4-row panels:
  ;; panel q (rows i0+4q..), element (r, p) at PA + (4q*kc + p*4 + r)*4; missing rows are zero.
  ;; trans = 0: A stored [m,k] (op(A)[i,p] = a[i*lda + p]);
  ;; trans = 1: A stored [k,m] (op(A)[i,p] = a[p*lda + i]).
  ;; ------------------------------------------------------------------------------------------
  (func $pack_a
    (param $trans i32) (param $a i32) (param $lda i32) (param $i0 i32) (param $mc i32)
    (param $p0 i32) (param $kc i32)
    (local $ir i32) (local $rows i32) (local $r i32) (local $p i32) (local $dst i32) (local $d i32)
    (local $src i32) (local $ldab i32)
    (local.set $ldab (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ir (i32.const 0))
    (loop $panels
      (local.set $rows (i32.sub (local.get $mc) (local.get $ir)))
      (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
      ;; PA = 0
      (local.set $dst (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
      (if (i32.eqz (local.get $trans))
        (then
          (local.set $r (i32.const 0))
          (loop $rl
            (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
            (local.set $p (local.get $kc))
            (if (i32.lt_u (local.get $r) (local.get $rows))
              (then
                (local.set $src
                  (i32.add (local.get $a)
                    (i32.shl
                      (i32.add
                        (i32.mul (i32.add (i32.add (local.get $i0) (local.get $ir)) (local.get $r)) (local.get $lda))
                        (local.get $p0))
                      (i32.const 2))))
                ;; four depths at a time
                (block $done4
                  (loop $p4
                    (br_if $done4 (i32.lt_u (local.get $p) (i32.const 4)))
                    (f32.store (local.get $d) (f32.load (local.get $src)))
                    (f32.store offset=16 (local.get $d) (f32.load offset=4 (local.get $src)))
                    (f32.store offset=32 (local.get $d) (f32.load offset=8 (local.get $src)))
                    (f32.store offset=48 (local.get $d) (f32.load offset=12 (local.get $src)))
                    (local.set $d (i32.add (local.get $d) (i32.const 64)))
                    (local.set $src (i32.add (local.get $src) (i32.const 16)))
                    (local.set $p (i32.sub (local.get $p) (i32.const 4)))
                    (br $p4)))
                (block $done1
                  (loop $p1
                    (br_if $done1 (i32.eqz (local.get $p)))
                    (f32.store (local.get $d) (f32.load (local.get $src)))
                    (local.set $d (i32.add (local.get $d) (i32.const 16)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                    (br $p1))))
              (else
                (loop $pz
                  (f32.store (local.get $d) (f32.const 0))
                  (local.set $d (i32.add (local.get $d) (i32.const 16)))
                  (br_if $pz (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
            (br_if $rl (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 4)))))
        (else
          (local.set $src
            (i32.add (local.get $a)
              (i32.shl
                (i32.add (i32.mul (local.get $p0) (local.get $lda)) (i32.add (local.get $i0) (local.get $ir)))
                (i32.const 2))))
          (local.set $p (local.get $kc))
          (if (i32.eq (local.get $rows) (i32.const 4))
            (then
              (loop $pt
                (v128.store (local.get $dst) (v128.load (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $src (i32.add (local.get $src) (local.get $ldab)))
                (br_if $pt (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
            (else
              (loop $pte
                (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
                (local.set $r (i32.const 0))
                (loop $re
                  (f32.store
                    (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                    (f32.load (i32.add (local.get $src) (i32.shl (local.get $r) (i32.const 2)))))
                  (br_if $re (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                (local.set $src (i32.add (local.get $src) (local.get $ldab)))
                (br_if $pte (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))))
      (br_if $panels (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc)))))

  ;; ------------------------------------------------------------------------------------------
  ;; Pack depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) into PB as 8-column panels:
  ;; panel q (cols j0+8q..), element (p, c) at PB + (8q*kc + p*8 + c)*4; missing columns are zero.
  ;; trans = 0: B stored [k,n] (op(B)[p,j] = b[p*ldb + j]);
  ;; trans = 1: B stored [n,k] (op(B)[p,j] = b[j*ldb + p]).
  ;; ------------------------------------------------------------------------------------------
  (func $pack_b
    (param $trans i32) (param $b i32) (param $ldb i32) (param $p0 i32) (param $kc i32)
    (param $j0 i32) (param $nc i32)
    (local $jr i32) (local $cols i32) (local $c i32) (local $p i32) (local $dst i32) (local $d i32)
    (local $src i32) (local $ldbb i32)
    (local.set $ldbb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $jr (i32.const 0))
    (loop $panels
      (local.set $cols (i32.sub (local.get $nc) (local.get $jr)))
      (if (i32.gt_u (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
      (local.set $dst (i32.add (i32.const 65536) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
      (if (i32.eqz (local.get $trans))
        (then
          (local.set $src
            (i32.add (local.get $b)
              (i32.shl
                (i32.add (i32.mul (local.get $p0) (local.get $ldb)) (i32.add (local.get $j0) (local.get $jr)))
                (i32.const 2))))
          (local.set $p (local.get $kc))
          (if (i32.eq (local.get $cols) (i32.const 8))
            (then
              (loop $pf
                (v128.store (local.get $dst) (v128.load (local.get $src)))
                (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $src (i32.add (local.get $src) (local.get $ldbb)))
                (br_if $pf (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
            (else
              (loop $pe
                (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
                (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
                (local.set $c (i32.const 0))
                (loop $ce
                  (f32.store
                    (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
                    (f32.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2)))))
                  (br_if $ce (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $cols))))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $src (i32.add (local.get $src) (local.get $ldbb)))
                (br_if $pe (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))))
        (else
          (local.set $c (i32.const 0))
          (loop $cl
            (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $p (local.get $kc))
            (if (i32.lt_u (local.get $c) (local.get $cols))
              (then
                (local.set $src
                  (i32.add (local.get $b)
                    (i32.shl
                      (i32.add
                        (i32.mul (i32.add (i32.add (local.get $j0) (local.get $jr)) (local.get $c)) (local.get $ldb))
                        (local.get $p0))
                      (i32.const 2))))
                (block $done4
                  (loop $p4
                    (br_if $done4 (i32.lt_u (local.get $p) (i32.const 4)))
                    (f32.store (local.get $d) (f32.load (local.get $src)))
                    (f32.store offset=32 (local.get $d) (f32.load offset=4 (local.get $src)))
                    (f32.store offset=64 (local.get $d) (f32.load offset=8 (local.get $src)))
                    (f32.store offset=96 (local.get $d) (f32.load offset=12 (local.get $src)))
                    (local.set $d (i32.add (local.get $d) (i32.const 128)))
                    (local.set $src (i32.add (local.get $src) (i32.const 16)))
                    (local.set $p (i32.sub (local.get $p) (i32.const 4)))
                    (br $p4)))
                (block $done1
                  (loop $p1
                    (br_if $done1 (i32.eqz (local.get $p)))
                    (f32.store (local.get $d) (f32.load (local.get $src)))
                    (local.set $d (i32.add (local.get $d) (i32.const 32)))
                    (local.set $src (i32.add (local.get $src) (i32.const 4)))
                    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                    (br $p1))))
              (else
                (loop $pz
                  (f32.store (local.get $d) (f32.const 0))
                  (local.set $d (i32.add (local.get $d) (i32.const 32)))
                  (br_if $pz (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
            (br_if $cl (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8))))))
      (br_if $panels (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 8))) (local.get $nc)))))

  ;; ------------------------------------------------------------------------------------------
  ;; C[m,n] <- beta * C (beta == 0 writes zeros without reading; beta == 1 does nothing).
  ;; ------------------------------------------------------------------------------------------
  (func $scale_c (param $m i32) (param $n i32) (param $beta f32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $row i32) (local $p i32) (local $end i32) (local $end4 i32) (local $vb v128)
    (if (f32.eq (local.get $beta) (f32.const 1)) (then (return)))
    (local.set $vb (f32x4.splat (local.get $beta)))
    (local.set $row (local.get $c))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $p (local.get $row))
      (local.set $end (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $end4 (i32.add (local.get $row) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (if (f32.eq (local.get $beta) (f32.const 0))
        (then
          (block $d4 (loop $l4
            (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
            (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $l4)))
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
            (f32.store (local.get $p) (f32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $l1))))
        (else
          (block $d4 (loop $l4
            (br_if $d4 (i32.ge_u (local.get $p) (local.get $end4)))
            (v128.store (local.get $p) (f32x4.mul (local.get $vb) (v128.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $l4)))
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
            (f32.store (local.get $p) (f32.mul (local.get $beta) (f32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $l1)))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $ldc) (i32.const 2))))
      (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $m)))))

  ;; ------------------------------------------------------------------------------------------
  ;; C = alpha * op(A) * op(B) + beta * C. transA/transB: 0 = as stored, 1 = transposed.
  ;; ------------------------------------------------------------------------------------------
  (func $gemm (export "gemm")
    (param $transA i32) (param $transB i32) (param $m i32) (param $n i32) (param $k i32)
    (param $alpha f32) (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32)
    (param $beta f32) (param $c i32) (param $ldc i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $nr i32) (local $ir i32) (local $mr i32) (local $betaEff f32)
    (local $ldcb i32) (local $cblock i32)
    (if (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $n))) (then (return)))
    (if (i32.or (i32.eqz (local.get $k)) (f32.eq (local.get $alpha) (f32.const 0)))
      (then
        (call $scale_c (local.get $m) (local.get $n) (local.get $beta) (local.get $c) (local.get $ldc))
        (return)))
    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $jc (i32.const 0))
    (loop $jcl
      (local.set $nc (i32.sub (local.get $n) (local.get $jc)))
      (if (i32.gt_u (local.get $nc) (i32.const 512)) (then (local.set $nc (i32.const 512))))
      (local.set $pc (i32.const 0))
      (loop $pcl
        (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
        (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
        (local.set $betaEff (if (result f32) (local.get $pc) (then (f32.const 1)) (else (local.get $beta))))
        (call $pack_b (local.get $transB) (local.get $b) (local.get $ldb)
          (local.get $pc) (local.get $kc) (local.get $jc) (local.get $nc))
        (local.set $ic (i32.const 0))
        (loop $icl
          (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
          (if (i32.gt_u (local.get $mc) (i32.const 64)) (then (local.set $mc (i32.const 64))))
          (call $pack_a (local.get $transA) (local.get $a) (local.get $lda)
            (local.get $ic) (local.get $mc) (local.get $pc) (local.get $kc))
          (local.set $jr (i32.const 0))
          (loop $jrl
            (local.set $nr (i32.sub (local.get $nc) (local.get $jr)))
            (if (i32.gt_u (local.get $nr) (i32.const 8)) (then (local.set $nr (i32.const 8))))
            ;; C block origin for (ic, jc + jr)
            (local.set $cblock
              (i32.add (local.get $c)
                (i32.shl
                  (i32.add (i32.mul (local.get $ic) (local.get $ldc)) (i32.add (local.get $jc) (local.get $jr)))
                  (i32.const 2))))
            (local.set $ir (i32.const 0))
            (loop $irl
              (local.set $mr (i32.sub (local.get $mc) (local.get $ir)))
              (if (i32.gt_u (local.get $mr) (i32.const 4)) (then (local.set $mr (i32.const 4))))
              (call $kernel_4x8
                (local.get $kc)
                (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2))
                (i32.add (i32.const 65536) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2)))
                (i32.add (local.get $cblock) (i32.mul (local.get $ir) (local.get $ldcb)))
                (local.get $ldcb) (local.get $mr) (local.get $nr) (local.get $alpha) (local.get $betaEff))
              (br_if $irl (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
            (br_if $jrl (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 8))) (local.get $nc))))
          (br_if $icl (i32.lt_u (local.tee $ic (i32.add (local.get $ic) (i32.const 64))) (local.get $m))))
        (br_if $pcl (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (i32.const 256))) (local.get $k))))
      (br_if $jcl (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (i32.const 512))) (local.get $n)))))

  (func (export "gemm_nn")
    (param $m i32) (param $n i32) (param $k i32) (param $alpha f32) (param $a i32) (param $lda i32)
    (param $b i32) (param $ldb i32) (param $beta f32) (param $c i32) (param $ldc i32)
    (call $gemm (i32.const 0) (i32.const 0) (local.get $m) (local.get $n) (local.get $k) (local.get $alpha)
      (local.get $a) (local.get $lda) (local.get $b) (local.get $ldb) (local.get $beta) (local.get $c) (local.get $ldc)))

  (func (export "gemm_tn")
    (param $m i32) (param $n i32) (param $k i32) (param $alpha f32) (param $a i32) (param $lda i32)
    (param $b i32) (param $ldb i32) (param $beta f32) (param $c i32) (param $ldc i32)
    (call $gemm (i32.const 1) (i32.const 0) (local.get $m) (local.get $n) (local.get $k) (local.get $alpha)
      (local.get $a) (local.get $lda) (local.get $b) (local.get $ldb) (local.get $beta) (local.get $c) (local.get $ldc)))

  (func (export "gemm_nt")
    (param $m i32) (param $n i32) (param $k i32) (param $alpha f32) (param $a i32) (param $lda i32)
    (param $b i32) (param $ldb i32) (param $beta f32) (param $c i32) (param $ldc i32)
    (call $gemm (i32.const 0) (i32.const 1) (local.get $m) (local.get $n) (local.get $k) (local.get $alpha)
      (local.get $a) (local.get $lda) (local.get $b) (local.get $ldb) (local.get $beta) (local.get $c) (local.get $ldc)))

  ;; ------------------------------------------------------------------------------------------
  ;; Event-driven product: for e in [0, count):
  ;;   dst[dstRows[e]*ldDst + j] += scales[e] * src[srcRows[e]*ldSrc + j]   for j in [0, n)
  ;; dstRows/srcRows are i32 arrays, scales f32 (byte pointers); src/dst byte pointers, ld in elements.
  ;; Events are applied in order, so repeated destination rows accumulate like the scalar loop.
  ;; ------------------------------------------------------------------------------------------
  (func (export "scatter_axpy")
    (param $count i32) (param $n i32) (param $dstRows i32) (param $srcRows i32) (param $scales i32)
    (param $src i32) (param $ldSrc i32) (param $dst i32) (param $ldDst i32)
    (local $e i32) (local $s i32) (local $d i32) (local $end i32) (local $end16 i32) (local $end4 i32)
    (local $sc f32) (local $vs v128) (local $nb i32) (local $nb16 i32) (local $nb4 i32)
    (local $ldSrcB i32) (local $ldDstB i32)
    (if (i32.or (i32.eqz (local.get $count)) (i32.eqz (local.get $n))) (then (return)))
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $nb16 (i32.and (local.get $nb) (i32.const -64)))
    (local.set $nb4 (i32.and (local.get $nb) (i32.const -16)))
    (local.set $ldSrcB (i32.shl (local.get $ldSrc) (i32.const 2)))
    (local.set $ldDstB (i32.shl (local.get $ldDst) (i32.const 2)))
    (local.set $e (i32.const 0))
    (loop $events
      (local.set $d (i32.add (local.get $dst) (i32.mul (i32.load (local.get $dstRows)) (local.get $ldDstB))))
      (local.set $s (i32.add (local.get $src) (i32.mul (i32.load (local.get $srcRows)) (local.get $ldSrcB))))
      (local.set $sc (f32.load (local.get $scales)))
      (local.set $vs (f32x4.splat (local.get $sc)))
      (local.set $end16 (i32.add (local.get $d) (local.get $nb16)))
      (local.set $end4 (i32.add (local.get $d) (local.get $nb4)))
      (local.set $end (i32.add (local.get $d) (local.get $nb)))
      (block $x16 (loop $l16
        (br_if $x16 (i32.ge_u (local.get $d) (local.get $end16)))
        (v128.store (local.get $d)
          (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $vs) (v128.load (local.get $s)))))
        (v128.store offset=16 (local.get $d)
          (f32x4.add (v128.load offset=16 (local.get $d)) (f32x4.mul (local.get $vs) (v128.load offset=16 (local.get $s)))))
        (v128.store offset=32 (local.get $d)
          (f32x4.add (v128.load offset=32 (local.get $d)) (f32x4.mul (local.get $vs) (v128.load offset=32 (local.get $s)))))
        (v128.store offset=48 (local.get $d)
          (f32x4.add (v128.load offset=48 (local.get $d)) (f32x4.mul (local.get $vs) (v128.load offset=48 (local.get $s)))))
        (local.set $d (i32.add (local.get $d) (i32.const 64)))
        (local.set $s (i32.add (local.get $s) (i32.const 64)))
        (br $l16)))
      (block $x4 (loop $l4
        (br_if $x4 (i32.ge_u (local.get $d) (local.get $end4)))
        (v128.store (local.get $d)
          (f32x4.add (v128.load (local.get $d)) (f32x4.mul (local.get $vs) (v128.load (local.get $s)))))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br $l4)))
      (block $x1 (loop $l1
        (br_if $x1 (i32.ge_u (local.get $d) (local.get $end)))
        (f32.store (local.get $d)
          (f32.add (f32.load (local.get $d)) (f32.mul (local.get $sc) (f32.load (local.get $s)))))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $l1)))
      (local.set $dstRows (i32.add (local.get $dstRows) (i32.const 4)))
      (local.set $srcRows (i32.add (local.get $srcRows) (i32.const 4)))
      (local.set $scales (i32.add (local.get $scales) (i32.const 4)))
      (br_if $events (i32.lt_u (local.tee $e (i32.add (local.get $e) (i32.const 1))) (local.get $count)))))

  ;; ------------------------------------------------------------------------------------------
  ;; Batched per-element linear maps on plane-major blocks (the carry-in of forward eligibility
  ;; rules). Row w (w in [0, rows)) holds e planes of n floats: X[w][c][j] at x + (w*ldx + c*n + j)*4.
  ;; For every j (one independent e-vector per j, 4 of them per SIMD lane group):
  ;;   grad[w*ldg + j] += sum_c Q[c][j] X[w][c][j]
  ;;   X[w][r][j]      <- sum_c M[r][c][j] X[w][c][j]
  ;; with M [e][e][n] and Q [e][n] shared by all rows. The new values are staged in the TILE scratch
  ;; (e <= 8), so X is updated in place. n need not be a multiple of 4 (scalar tail).
  ;; ------------------------------------------------------------------------------------------
  (func (export "block_carry")
    (param $rows i32) (param $e i32) (param $n i32)
    (param $x i32) (param $ldx i32) (param $grad i32) (param $ldg i32)
    (param $m i32) (param $q i32)
    (local $w i32) (local $j i32) (local $r i32) (local $c i32) (local $xr i32) (local $gr i32)
    (local $nb i32) (local $n4 i32) (local $acc v128) (local $s v128) (local $accf f32) (local $sf f32)
    (local $ldxB i32) (local $ldgB i32)
    (if (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $n))) (then (return)))
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.and (local.get $nb) (i32.const -16)))
    (local.set $ldxB (i32.shl (local.get $ldx) (i32.const 2)))
    (local.set $ldgB (i32.shl (local.get $ldg) (i32.const 2)))
    (local.set $w (i32.const 0))
    (loop $rowsLoop
      (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $w) (local.get $ldxB))))
      (local.set $gr (i32.add (local.get $grad) (i32.mul (local.get $w) (local.get $ldgB))))
      ;; 4 elements at a time
      (local.set $j (i32.const 0))
      (block $x4 (loop $l4
        (br_if $x4 (i32.ge_u (local.get $j) (local.get $n4)))
        (local.set $acc (f32x4.splat (f32.const 0)))
        (local.set $c (i32.const 0))
        (loop $lc
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul
              (v128.load (i32.add (local.get $q) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j))))
              (v128.load (i32.add (local.get $xr) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j)))))))
          (br_if $lc (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $e))))
        (v128.store (i32.add (local.get $gr) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $gr) (local.get $j))) (local.get $acc)))
        (local.set $r (i32.const 0))
        (loop $lr
          (local.set $s (f32x4.splat (f32.const 0)))
          (local.set $c (i32.const 0))
          (loop $lc2
            (local.set $s (f32x4.add (local.get $s)
              (f32x4.mul
                (v128.load (i32.add (local.get $m)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $r) (local.get $e)) (local.get $c)) (local.get $nb)) (local.get $j))))
                (v128.load (i32.add (local.get $xr) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j)))))))
            (br_if $lc2 (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $e))))
          (v128.store (i32.add (i32.const 589824) (i32.shl (local.get $r) (i32.const 4))) (local.get $s))
          (br_if $lr (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $e))))
        (local.set $r (i32.const 0))
        (loop $lw
          (v128.store (i32.add (local.get $xr) (i32.add (i32.mul (local.get $r) (local.get $nb)) (local.get $j)))
            (v128.load (i32.add (i32.const 589824) (i32.shl (local.get $r) (i32.const 4)))))
          (br_if $lw (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $e))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l4)))
      ;; scalar tail
      (block $x1 (loop $l1
        (br_if $x1 (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $accf (f32.const 0))
        (local.set $c (i32.const 0))
        (loop $tc
          (local.set $accf (f32.add (local.get $accf)
            (f32.mul
              (f32.load (i32.add (local.get $q) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j))))
              (f32.load (i32.add (local.get $xr) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j)))))))
          (br_if $tc (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $e))))
        (f32.store (i32.add (local.get $gr) (local.get $j))
          (f32.add (f32.load (i32.add (local.get $gr) (local.get $j))) (local.get $accf)))
        (local.set $r (i32.const 0))
        (loop $tr
          (local.set $sf (f32.const 0))
          (local.set $c (i32.const 0))
          (loop $tc2
            (local.set $sf (f32.add (local.get $sf)
              (f32.mul
                (f32.load (i32.add (local.get $m)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $r) (local.get $e)) (local.get $c)) (local.get $nb)) (local.get $j))))
                (f32.load (i32.add (local.get $xr) (i32.add (i32.mul (local.get $c) (local.get $nb)) (local.get $j)))))))
            (br_if $tc2 (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $e))))
          (f32.store (i32.add (i32.const 589824) (i32.shl (local.get $r) (i32.const 2))) (local.get $sf))
          (br_if $tr (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $e))))
        (local.set $r (i32.const 0))
        (loop $tw
          (f32.store (i32.add (local.get $xr) (i32.add (i32.mul (local.get $r) (local.get $nb)) (local.get $j)))
            (f32.load (i32.add (i32.const 589824) (i32.shl (local.get $r) (i32.const 2)))))
          (br_if $tw (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $e))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1)))
      (br_if $rowsLoop (i32.lt_u (local.tee $w (i32.add (local.get $w) (i32.const 1))) (local.get $rows)))))
)
