;; Fused optimizer kernels for the host-side update (src/optim/host). Every array is float32,
;; starts at a 16-byte-aligned byte offset and is padded with zeros to a multiple of 4 elements;
;; n4 counts 4-float vectors. Regenerate kernels-wasm.ts after editing: npm run build:wasm
(module
  (import "env" "memory" (memory 1))

  ;; Adam/AdamW, torch.optim's formulas with the bias corrections folded into two scalars:
  ;; g ← gscale·g + l2·p; p ← shrink·p; m ← b1·m + c1·g; v ← b2·v + c2·g²; p ← p − step·m/(√v + eps)
  (func (export "adam_f32") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n4 i32)
        (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $step f32) (param $eps f32)
        (param $shrink f32) (param $l2 f32) (param $gscale f32)
    (local $i i32) (local $off i32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vstep v128) (local $veps v128)
    (local $vshrink v128) (local $vl2 v128) (local $vgscale v128)
    (local $gv v128) (local $pv v128) (local $mv v128) (local $vv v128)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vstep (f32x4.splat (local.get $step)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vshrink (f32x4.splat (local.get $shrink)))
    (local.set $vl2 (f32x4.splat (local.get $l2)))
    (local.set $vgscale (f32x4.splat (local.get $gscale)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $off))))
        (local.set $gv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $off))) (local.get $vgscale))
          (f32x4.mul (local.get $pv) (local.get $vl2))))
        (local.set $pv (f32x4.mul (local.get $pv) (local.get $vshrink)))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $off))) (local.get $vb1))
          (f32x4.mul (local.get $gv) (local.get $vc1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (local.get $vb2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vc2))))
        (v128.store (i32.add (local.get $m) (local.get $off)) (local.get $mv))
        (v128.store (i32.add (local.get $v) (local.get $off)) (local.get $vv))
        (v128.store (i32.add (local.get $p) (local.get $off))
          (f32x4.sub (local.get $pv)
            (f32x4.mul (f32x4.div (local.get $mv) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $veps))) (local.get $vstep))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; SGD as torch.optim.SGD (dampening 0): g ← gscale·g + l2·p; with momentum (has_m = 1):
  ;; buf ← momentum·buf + g; g ← nesterov ? g + momentum·buf : buf; then p ← p − lr·g
  (func (export "sgd_f32") (param $p i32) (param $g i32) (param $buf i32) (param $n4 i32)
        (param $lr f32) (param $momentum f32) (param $has_m i32) (param $nesterov i32) (param $l2 f32) (param $gscale f32)
    (local $i i32) (local $off i32) (local $gv v128) (local $pv v128) (local $bv v128)
    (local $vlr v128) (local $vmom v128) (local $vl2 v128) (local $vgscale v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmom (f32x4.splat (local.get $momentum)))
    (local.set $vl2 (f32x4.splat (local.get $l2)))
    (local.set $vgscale (f32x4.splat (local.get $gscale)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $off))))
        (local.set $gv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $off))) (local.get $vgscale))
          (f32x4.mul (local.get $pv) (local.get $vl2))))
        (if (local.get $has_m)
          (then
            (local.set $bv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $buf) (local.get $off))) (local.get $vmom)) (local.get $gv)))
            (v128.store (i32.add (local.get $buf) (local.get $off)) (local.get $bv))
            (if (local.get $nesterov)
              (then (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $bv) (local.get $vmom)))))
              (else (local.set $gv (local.get $bv))))))
        (v128.store (i32.add (local.get $p) (local.get $off)) (f32x4.sub (local.get $pv) (f32x4.mul (local.get $gv) (local.get $vlr))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; RMSprop as torch.optim.RMSprop: g ← gscale·g + l2·p; s ← α·s + (1−α)·g²; centered:
  ;; ga ← α·ga + (1−α)·g, avg = √(s − ga²) + ε, else avg = √s + ε; with momentum (has_m = 1):
  ;; buf ← momentum·buf + g/avg, p ← p − lr·buf; else p ← p − lr·g/avg
  (func (export "rmsprop_f32") (param $p i32) (param $g i32) (param $s i32) (param $ga i32) (param $buf i32) (param $n4 i32)
        (param $alpha f32) (param $eps f32) (param $lr f32) (param $momentum f32) (param $centered i32) (param $has_m i32)
        (param $l2 f32) (param $gscale f32)
    (local $i i32) (local $off i32) (local $gv v128) (local $pv v128) (local $sv v128) (local $av v128) (local $bv v128) (local $dv v128)
    (local $valpha v128) (local $vc v128) (local $veps v128) (local $vlr v128) (local $vmom v128) (local $vl2 v128) (local $vgscale v128)
    (local.set $valpha (f32x4.splat (local.get $alpha)))
    (local.set $vc (f32x4.splat (f32.sub (f32.const 1) (local.get $alpha))))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmom (f32x4.splat (local.get $momentum)))
    (local.set $vl2 (f32x4.splat (local.get $l2)))
    (local.set $vgscale (f32x4.splat (local.get $gscale)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (local.set $pv (v128.load (i32.add (local.get $p) (local.get $off))))
        (local.set $gv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $off))) (local.get $vgscale))
          (f32x4.mul (local.get $pv) (local.get $vl2))))
        (local.set $sv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $off))) (local.get $valpha))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vc))))
        (v128.store (i32.add (local.get $s) (local.get $off)) (local.get $sv))
        (if (local.get $centered)
          (then
            (local.set $av (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $ga) (local.get $off))) (local.get $valpha))
              (f32x4.mul (local.get $gv) (local.get $vc))))
            (v128.store (i32.add (local.get $ga) (local.get $off)) (local.get $av))
            (local.set $av (f32x4.add (f32x4.sqrt (f32x4.sub (local.get $sv) (f32x4.mul (local.get $av) (local.get $av)))) (local.get $veps))))
          (else (local.set $av (f32x4.add (f32x4.sqrt (local.get $sv)) (local.get $veps)))))
        (local.set $dv (f32x4.div (local.get $gv) (local.get $av)))
        (if (local.get $has_m)
          (then
            (local.set $bv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $buf) (local.get $off))) (local.get $vmom)) (local.get $dv)))
            (v128.store (i32.add (local.get $buf) (local.get $off)) (local.get $bv))
            (local.set $dv (local.get $bv))))
        (v128.store (i32.add (local.get $p) (local.get $off)) (f32x4.sub (local.get $pv) (f32x4.mul (local.get $dv) (local.get $vlr))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; e ← decay·e + (1 − decay)·p (EMA of the parameters)
  (func (export "ema_f32") (param $e i32) (param $p i32) (param $n4 i32) (param $decay f32)
    (local $i i32) (local $off i32) (local $vd v128) (local $vc v128)
    (local.set $vd (f32x4.splat (local.get $decay)))
    (local.set $vc (f32x4.splat (f32.sub (f32.const 1) (local.get $decay))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 4)))
        (v128.store (i32.add (local.get $e) (local.get $off))
          (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $e) (local.get $off))) (local.get $vd))
                     (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $off))) (local.get $vc))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; p ← min(max(p, lo), hi) (WGAN weight clipping)
  (func (export "clamp_f32") (param $p i32) (param $n4 i32) (param $lo f32) (param $hi f32)
    (local $i i32) (local $addr i32) (local $vlo v128) (local $vhi v128)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $addr (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 4))))
        (v128.store (local.get $addr) (f32x4.min (f32x4.max (v128.load (local.get $addr)) (local.get $vlo)) (local.get $vhi)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Σ g², accumulated in float64 (gradient clipping by global norm)
  (func (export "sumsq_f32") (param $g i32) (param $n4 i32) (result f64)
    (local $i i32) (local $x v128) (local $acc v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $x (v128.load (i32.add (local.get $g) (i32.shl (local.get $i) (i32.const 4)))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))))
        (local.set $x (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $x)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
)
