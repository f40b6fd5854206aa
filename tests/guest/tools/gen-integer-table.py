#!/usr/bin/env python3
"""gen-integer-table.py - writes kernels/integer-cases.inc for integer.asm.

Each case runs one instruction (a stub: EAX=a, EBX=ECX=b, EDX=d, EFLAGS=fin)
and lists the EAX, EDX and EFLAGS it must produce. The expected values come
from this small model of the instructions' Operation and Flags Affected
sections in the Intel SDM vol. 2; flags the SDM leaves undefined are masked
out (the mask is part of each case). Re-run after editing:
    tools/gen-integer-table.py > kernels/integer-cases.inc
"""

CF, PF, AF, ZF, SF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x800
ARITH = CF | PF | AF | ZF | SF | OF
M32 = 0xFFFFFFFF

def parity(v):
    return PF if bin(v & 0xFF).count("1") % 2 == 0 else 0

def szp(r, w):
    f = parity(r)
    if r & ((1 << w) - 1) == 0:
        f |= ZF
    if r >> (w - 1) & 1:
        f |= SF
    return f

def msb(v, w):
    return v >> (w - 1) & 1

def sx(v, w):
    v &= (1 << w) - 1
    return v - (1 << w) if msb(v, w) else v

def merge(a, r, w):
    """An operation on the low w bits of EAX keeps the upper bits."""
    mask = (1 << w) - 1
    return (a & ~mask & M32) | (r & mask)

# Each model returns (eax, edx, flags, flag mask, eax mask).
def add_like(a, b, c, w, sub):
    m = (1 << w) - 1
    a &= m
    b &= m
    if sub:
        r = (a - b - c) & m
        cf = a < b + c
        of = msb(a, w) != msb(b, w) and msb(r, w) != msb(a, w)
    else:
        r = (a + b + c) & m
        cf = a + b + c > m
        of = msb(a, w) == msb(b, w) and msb(r, w) != msb(a, w)
    f = szp(r, w) | (CF if cf else 0) | (OF if of else 0) | ((a ^ b ^ r) & AF)
    return r, f

def op_add(a, b, d, fin):
    r, f = add_like(a, b, 0, 32, False)
    return r, d, f, ARITH, M32
def op_adc(a, b, d, fin):
    r, f = add_like(a, b, fin & CF, 32, False)
    return r, d, f, ARITH, M32
def op_sub(a, b, d, fin):
    r, f = add_like(a, b, 0, 32, True)
    return r, d, f, ARITH, M32
def op_sbb(a, b, d, fin):
    r, f = add_like(a, b, fin & CF, 32, True)
    return r, d, f, ARITH, M32
def op_cmp(a, b, d, fin):
    r, f = add_like(a, b, 0, 32, True)
    return a, d, f, ARITH, M32
def op_add8(a, b, d, fin):
    r, f = add_like(a, b, 0, 8, False)
    return merge(a, r, 8), d, f, ARITH, M32
def op_sub16(a, b, d, fin):
    r, f = add_like(a, b, 0, 16, True)
    return merge(a, r, 16), d, f, ARITH, M32
def logic(r):
    return r & M32, szp(r, 32), ARITH & ~AF  # AF undefined
def op_and(a, b, d, fin):
    r, f, m = logic(a & b)
    return r, d, f, m, M32
def op_or(a, b, d, fin):
    r, f, m = logic(a | b)
    return r, d, f, m, M32
def op_xor(a, b, d, fin):
    r, f, m = logic(a ^ b)
    return r, d, f, m, M32
def op_neg(a, b, d, fin):
    r, f = add_like(0, a, 0, 32, True)
    return r, d, f, ARITH, M32
def op_inc(a, b, d, fin):
    r, f = add_like(a, 1, 0, 32, False)
    return r, d, (f & ~CF) | (fin & CF), ARITH, M32
def op_dec(a, b, d, fin):
    r, f = add_like(a, 1, 0, 32, True)
    return r, d, (f & ~CF) | (fin & CF), ARITH, M32

def shift(a, c, fin, kind):
    c &= 31
    if c == 0:
        return a, fin & ARITH, ARITH
    if kind == "shl":
        r = (a << c) & M32
        cf = a >> (32 - c) & 1
        of = msb(r, 32) ^ cf
    elif kind == "shr":
        r = a >> c
        cf = a >> (c - 1) & 1
        of = msb(a, 32)
    else:  # sar
        r = (sx(a, 32) >> c) & M32
        cf = sx(a, 32) >> (c - 1) & 1
        of = 0
    f = szp(r, 32) | (CF if cf else 0) | (OF if of else 0)
    mask = ARITH & ~AF
    if c != 1:
        mask &= ~OF  # OF is defined for 1-bit shifts only
    return r, f, mask
def op_shl(a, b, d, fin):
    r, f, m = shift(a, b, fin, "shl")
    return r, d, f, m, M32
def op_shr(a, b, d, fin):
    r, f, m = shift(a, b, fin, "shr")
    return r, d, f, m, M32
def op_sar(a, b, d, fin):
    r, f, m = shift(a, b, fin, "sar")
    return r, d, f, m, M32

def rotate(a, c, fin, kind):
    """ROL/ROR/RCL/RCR r32, CL: only CF and OF change (OF for 1-bit only)."""
    c &= 31
    keep = fin & ARITH
    if kind in ("rol", "ror"):
        if c == 0:
            return a, keep, ARITH
        if kind == "rol":
            r = ((a << c) | (a >> (32 - c))) & M32
            cf = r & 1
            of = msb(r, 32) ^ cf
        else:
            r = ((a >> c) | (a << (32 - c))) & M32
            cf = msb(r, 32)
            of = msb(r, 32) ^ (r >> 30 & 1)
    else:
        cf = fin & CF
        r = a
        of_in = msb(a, 32) ^ cf  # RCR: OF from the operand before rotating
        for _ in range(c):
            if kind == "rcl":
                cf, r = msb(r, 32), ((r << 1) | cf) & M32
            else:
                cf, r = r & 1, (r >> 1) | (cf << 31)
        if c == 0:
            return a, keep, ARITH
        of = msb(r, 32) ^ cf if kind == "rcl" else of_in
    f = (keep & ~(CF | OF)) | (CF if cf else 0) | (OF if of else 0)
    mask = ARITH if c == 1 else ARITH & ~OF
    return r, f, mask
def op_rol(a, b, d, fin):
    r, f, m = rotate(a, b, fin, "rol")
    return r, d, f, m, M32
def op_ror(a, b, d, fin):
    r, f, m = rotate(a, b, fin, "ror")
    return r, d, f, m, M32
def op_rcl(a, b, d, fin):
    r, f, m = rotate(a, b, fin, "rcl")
    return r, d, f, m, M32
def op_rcr(a, b, d, fin):
    r, f, m = rotate(a, b, fin, "rcr")
    return r, d, f, m, M32

def op_shld(a, b, d, fin):
    c = b & 31  # the count register is CL = the low byte of b
    if c == 0:
        return a, d, fin & ARITH, ARITH, M32
    r = ((a << c) | (b >> (32 - c))) & M32
    cf = a >> (32 - c) & 1
    f = szp(r, 32) | (CF if cf else 0) | (OF if msb(r, 32) != msb(a, 32) else 0)
    m = ARITH & ~AF & (ARITH if c == 1 else ~OF)
    return r, d, f, m, M32
def op_shrd(a, b, d, fin):
    c = b & 31
    if c == 0:
        return a, d, fin & ARITH, ARITH, M32
    r = ((a >> c) | (b << (32 - c))) & M32
    cf = a >> (c - 1) & 1
    f = szp(r, 32) | (CF if cf else 0) | (OF if msb(r, 32) != msb(a, 32) else 0)
    m = ARITH & ~AF & (ARITH if c == 1 else ~OF)
    return r, d, f, m, M32

def op_imul2(a, b, d, fin):
    p = sx(a, 32) * sx(b, 32)
    r = p & M32
    f = (CF | OF) if sx(r, 32) != p else 0
    return r, d, f, CF | OF, M32
def op_mul(a, b, d, fin):
    p = a * b
    hi = p >> 32
    return p & M32, hi, (CF | OF) if hi else 0, CF | OF, M32
def op_imul1(a, b, d, fin):
    p = sx(a, 32) * sx(b, 32)
    f = (CF | OF) if sx(p & M32, 32) != p else 0
    return p & M32, (p >> 32) & M32, f, CF | OF, M32
def op_div(a, b, d, fin):
    n = (d << 32) | a
    return n // b, n % b, 0, 0, M32
def op_idiv(a, b, d, fin):
    n = sx((d << 32) | a, 64)
    q = abs(n) // abs(sx(b, 32))
    if (n < 0) != (sx(b, 32) < 0):
        q = -q
    rem = n - q * sx(b, 32)
    return q & M32, rem & M32, 0, 0, M32

def op_bsf(a, b, d, fin):
    if b == 0:  # destination undefined
        return 0, d, ZF, ZF, 0
    return (b & -b).bit_length() - 1, d, 0, ZF, M32
def op_bsr(a, b, d, fin):
    if b == 0:
        return 0, d, ZF, ZF, 0
    return b.bit_length() - 1, d, 0, ZF, M32
def bit_op(a, b, fin, how):
    bit = 1 << (b & 31)
    cf = CF if a & bit else 0
    r = {"bt": a, "bts": a | bit, "btr": a & ~bit & M32, "btc": a ^ bit}[how]
    return r, cf | (fin & ZF), CF | ZF  # ZF unaffected, the rest undefined
def op_bt(a, b, d, fin):
    r, f, m = bit_op(a, b, fin, "bt")
    return r, d, f, m, M32
def op_bts(a, b, d, fin):
    r, f, m = bit_op(a, b, fin, "bts")
    return r, d, f, m, M32
def op_btr(a, b, d, fin):
    r, f, m = bit_op(a, b, fin, "btr")
    return r, d, f, m, M32
def op_btc(a, b, d, fin):
    r, f, m = bit_op(a, b, fin, "btc")
    return r, d, f, m, M32

def op_daa(a, b, d, fin):
    al, cf, af = a & 0xFF, fin & CF, fin & AF
    old_al, old_cf = al, cf
    cf = 0
    if (al & 0xF) > 9 or af:
        cf = old_cf or (al + 6 > 0xFF)
        al = (al + 6) & 0xFF
        af = AF
    else:
        af = 0
    if old_al > 0x99 or old_cf:
        al = (al + 0x60) & 0xFF
        cf = 1
    else:
        cf = 0
    f = szp(al, 8) | af | (CF if cf else 0)
    return merge(a, al, 8), d, f, ARITH & ~OF, M32
def op_das(a, b, d, fin):
    al, cf, af = a & 0xFF, fin & CF, fin & AF
    old_al, old_cf = al, cf
    cf = 0
    if (al & 0xF) > 9 or af:
        cf = old_cf or (al < 6)
        al = (al - 6) & 0xFF
        af = AF
    else:
        af = 0
    if old_al > 0x99 or old_cf:
        al = (al - 0x60) & 0xFF
        cf = 1
    f = szp(al, 8) | af | (CF if cf else 0)
    return merge(a, al, 8), d, f, ARITH & ~OF, M32
def op_aaa(a, b, d, fin):
    ax = a & 0xFFFF
    if (ax & 0xF) > 9 or fin & AF:
        ax = (ax + 0x106) & 0xFFFF
        f = AF | CF
    else:
        f = 0
    ax &= 0xFF0F
    return merge(a, ax, 16), d, f, AF | CF, M32
def op_aas(a, b, d, fin):
    ax = a & 0xFFFF
    if (ax & 0xF) > 9 or fin & AF:
        ax = (ax - 6) & 0xFFFF
        ax = (ax - 0x100) & 0xFFFF
        f = AF | CF
    else:
        f = 0
    ax &= 0xFF0F
    return merge(a, ax, 16), d, f, AF | CF, M32
def op_aam(a, b, d, fin):
    al = a & 0xFF
    ax = ((al // 10) << 8) | (al % 10)
    return merge(a, ax, 16), d, szp(ax & 0xFF, 8), SF | ZF | PF, M32
def op_aad(a, b, d, fin):
    al = ((a & 0xFF) + ((a >> 8) & 0xFF) * 10) & 0xFF
    return merge(a, al, 16), d, szp(al, 8), SF | ZF | PF, M32

def op_xadd(a, b, d, fin):
    r, f = add_like(a, b, 0, 32, False)
    return r, a, f, ARITH, M32  # EDX <- the old EAX, via EBX
def op_cmpxchg(a, b, d, fin):
    _, f = add_like(a, b, 0, 32, True)
    if a == b:
        return a, d, f, ARITH, M32  # EBX <- EDX, EDX <- EBX = d
    return b, b, f, ARITH, M32
def op_movsx(a, b, d, fin):
    return sx(b & 0xFF, 8) & M32, d, fin & ARITH, ARITH, M32
def op_movzx(a, b, d, fin):
    return b & 0xFFFF, d, fin & ARITH, ARITH, M32
def op_cwde(a, b, d, fin):
    return sx(a & 0xFFFF, 16) & M32, d, fin & ARITH, ARITH, M32
def op_cdq(a, b, d, fin):
    return a, M32 if msb(a, 32) else 0, fin & ARITH, ARITH, M32
def op_bswap(a, b, d, fin):
    return int.from_bytes(a.to_bytes(4, "little"), "big"), d, fin & ARITH, ARITH, M32
def setcc(fin, cond):
    return (1 if cond else 0), fin & ARITH, ARITH
def op_setl(a, b, d, fin):
    r, f, m = setcc(fin, bool(fin & SF) != bool(fin & OF))
    return r, d, f, m, M32
def op_setle(a, b, d, fin):
    r, f, m = setcc(fin, fin & ZF or bool(fin & SF) != bool(fin & OF))
    return r, d, f, m, M32
def op_setbe(a, b, d, fin):
    r, f, m = setcc(fin, fin & (CF | ZF))
    return r, d, f, m, M32
def op_setp(a, b, d, fin):
    r, f, m = setcc(fin, fin & PF)
    return r, d, f, m, M32
def op_lea(a, b, d, fin):
    return (a + b * 4 + 0x10) & M32, d, fin & ARITH, ARITH, M32

def shift8(a, c, fin, kind):
    """SHL/SHR/SAR AL, CL: the count is masked to 5 bits, not to 8."""
    al = a & 0xFF
    c &= 31
    if c == 0:
        return a, fin & ARITH, ARITH
    if kind == "shl":
        r = (al << c) & 0xFF
        cf = (al << c) >> 8 & 1
    elif kind == "shr":
        r = al >> c
        cf = al >> (c - 1) & 1
    else:
        r = (sx(al, 8) >> c) & 0xFF
        cf = sx(al, 8) >> min(c - 1, 8) & 1
    of = {"shl": msb(r, 8) ^ cf, "shr": msb(al, 8), "sar": 0}[kind]
    f = szp(r, 8) | (CF if cf else 0) | (OF if of else 0)
    mask = ARITH & ~AF
    if c != 1:
        mask &= ~OF
    if c >= 8 and kind != "sar":
        mask &= ~CF  # CF undefined for SHL/SHR counts >= the operand size
    return merge(a, r, 8), f, mask
def op_shl8(a, b, d, fin):
    r, f, m = shift8(a, b, fin, "shl")
    return r, d, f, m, M32
def op_shr8(a, b, d, fin):
    r, f, m = shift8(a, b, fin, "shr")
    return r, d, f, m, M32
def op_sar8(a, b, d, fin):
    r, f, m = shift8(a, b, fin, "sar")
    return r, d, f, m, M32
def op_rol8(a, b, d, fin):
    """ROL AL, CL: rotate by (count & 1FH) mod 8; CF is set whenever the
    masked count is non-zero, even when the rotation is by 0."""
    al, c = a & 0xFF, b & 31
    if c == 0:
        return a, d, fin & ARITH, ARITH, M32
    t = c % 8
    r = ((al << t) | (al >> (8 - t))) & 0xFF if t else al
    cf = r & 1
    f = (fin & ARITH & ~(CF | OF)) | (CF if cf else 0) | (OF if msb(r, 8) ^ cf else 0)
    return merge(a, r, 8), d, f, ARITH if c == 1 else ARITH & ~OF, M32
def op_rcl8(a, b, d, fin):
    """RCL AL, CL: rotate through CF by (count & 1FH) mod 9."""
    al, c = a & 0xFF, b & 31
    if c == 0:
        return a, d, fin & ARITH, ARITH, M32
    cf, r = fin & CF, al
    for _ in range(c % 9):
        cf, r = msb(r, 8), ((r << 1) | cf) & 0xFF
    f = (fin & ARITH & ~(CF | OF)) | (CF if cf else 0) | (OF if msb(r, 8) ^ cf else 0)
    return merge(a, r, 8), d, f, ARITH if c == 1 else ARITH & ~OF, M32
def op_mul8(a, b, d, fin):
    p = (a & 0xFF) * (b & 0xFF)
    return merge(a, p, 16), d, (CF | OF) if p >> 8 else 0, CF | OF, M32
def op_div8(a, b, d, fin):
    ax, bl = a & 0xFFFF, b & 0xFF
    return merge(a, ((ax % bl) << 8) | (ax // bl), 16), d, 0, 0, M32
def op_idiv8(a, b, d, fin):
    n, v = sx(a, 16), sx(b, 8)
    q = abs(n) // abs(v) * (1 if (n < 0) == (v < 0) else -1)
    rem = n - q * v
    return merge(a, ((rem & 0xFF) << 8) | (q & 0xFF), 16), d, 0, 0, M32
def op_imul3(a, b, d, fin):
    p = sx(b, 32) * -3
    return p & M32, d, (CF | OF) if sx(p & M32, 32) != p else 0, CF | OF, M32
def op_test(a, b, d, fin):
    _, f, m = logic(a & b)
    return a, d, f, m, M32
def op_not(a, b, d, fin):
    return ~a & M32, d, fin & ARITH, ARITH, M32
def op_sahf(a, b, d, fin):
    ah = a >> 8 & 0xFF
    return a, d, (ah & (SF | ZF | AF | PF | CF)) | (fin & OF), ARITH, M32
def op_lahf(a, b, d, fin):
    ah = (fin & (SF | ZF | AF | PF | CF)) | 2
    return (a & ~0xFF00 & M32) | ah << 8, d, fin & ARITH, ARITH, M32
def op_cmc(a, b, d, fin):
    return a, d, (fin & ARITH) ^ CF, ARITH, M32
def op_adc16(a, b, d, fin):
    r, f = add_like(a, b, fin & CF, 16, False)
    return merge(a, r, 16), d, f, ARITH, M32
def op_sbb8(a, b, d, fin):
    r, f = add_like(a, b, fin & CF, 8, True)
    return merge(a, r, 8), d, f, ARITH, M32
def op_neg8(a, b, d, fin):
    r, f = add_like(0, a, 0, 8, True)
    return merge(a, r, 8), d, f, ARITH, M32
def op_inc16(a, b, d, fin):
    r, f = add_like(a, 1, 0, 16, False)
    return merge(a, r, 16), d, (f & ~CF) | (fin & CF), ARITH, M32
def op_cbw(a, b, d, fin):
    return merge(a, sx(a & 0xFF, 8), 16), d, fin & ARITH, ARITH, M32
def op_cwd(a, b, d, fin):
    return a, merge(d, 0xFFFF if msb(a, 16) else 0, 16), fin & ARITH, ARITH, M32
def op_btsmem(a, b, d, fin):
    """BTS m32, r32: the register is a signed bit offset into a bit string;
    EAX is the dword that holds the bit afterwards (from zeros)."""
    return 1 << (b & 31), d, fin & ZF, CF | ZF, M32

# name: (stub instructions, model)
OPS = {
    "ADD": ("add eax, ebx", op_add),
    "ADC": ("adc eax, ebx", op_adc),
    "SUB": ("sub eax, ebx", op_sub),
    "SBB": ("sbb eax, ebx", op_sbb),
    "CMP": ("cmp eax, ebx", op_cmp),
    "ADD8": ("add al, bl", op_add8),
    "SUB16": ("sub ax, bx", op_sub16),
    "AND": ("and eax, ebx", op_and),
    "OR": ("or eax, ebx", op_or),
    "XOR": ("xor eax, ebx", op_xor),
    "NEG": ("neg eax", op_neg),
    "INC": ("inc eax", op_inc),
    "DEC": ("dec eax", op_dec),
    "SHL": ("shl eax, cl", op_shl),
    "SHR": ("shr eax, cl", op_shr),
    "SAR": ("sar eax, cl", op_sar),
    "ROL": ("rol eax, cl", op_rol),
    "ROR": ("ror eax, cl", op_ror),
    "RCL": ("rcl eax, cl", op_rcl),
    "RCR": ("rcr eax, cl", op_rcr),
    "SHLD": ("shld eax, ebx, cl", op_shld),
    "SHRD": ("shrd eax, ebx, cl", op_shrd),
    "IMUL2": ("imul eax, ebx", op_imul2),
    "MUL": ("mul ebx", op_mul),
    "IMUL1": ("imul ebx", op_imul1),
    "DIV": ("div ebx", op_div),
    "IDIV": ("idiv ebx", op_idiv),
    "BSF": ("bsf eax, ebx", op_bsf),
    "BSR": ("bsr eax, ebx", op_bsr),
    "BT": ("bt eax, ebx", op_bt),
    "BTS": ("bts eax, ebx", op_bts),
    "BTR": ("btr eax, ebx", op_btr),
    "BTC": ("btc eax, ebx", op_btc),
    "DAA": ("daa", op_daa),
    "DAS": ("das", op_das),
    "AAA": ("aaa", op_aaa),
    "AAS": ("aas", op_aas),
    "AAM": ("aam", op_aam),
    "AAD": ("aad", op_aad),
    "XADD": ("xadd eax, ebx\n\tmov edx, ebx", op_xadd),
    "CMPXCHG": ("mov ecx, edx\n\tcmpxchg ebx, ecx\n\tmov edx, ebx", op_cmpxchg),
    "MOVSX": ("movsx eax, bl", op_movsx),
    "MOVZX": ("movzx eax, bx", op_movzx),
    "CWDE": ("cwde", op_cwde),
    "CDQ": ("cdq", op_cdq),
    "BSWAP": ("bswap eax", op_bswap),
    "SETL": ("mov eax, 0\n\tsetl al", op_setl),
    "SETLE": ("mov eax, 0\n\tsetle al", op_setle),
    "SETBE": ("mov eax, 0\n\tsetbe al", op_setbe),
    "SETP": ("mov eax, 0\n\tsetp al", op_setp),
    "LEA": ("lea eax, [eax + ebx * 4 + 0x10]", op_lea),
    "SHL8": ("shl al, cl", op_shl8),
    "SHR8": ("shr al, cl", op_shr8),
    "SAR8": ("sar al, cl", op_sar8),
    "ROL8": ("rol al, cl", op_rol8),
    "RCL8": ("rcl al, cl", op_rcl8),
    "MUL8": ("mul bl", op_mul8),
    "DIV8": ("div bl", op_div8),
    "IDIV8": ("idiv bl", op_idiv8),
    "IMUL3": ("imul eax, ebx, -3", op_imul3),
    "TEST": ("test eax, ebx", op_test),
    "NOT": ("not eax", op_not),
    "SAHF": ("sahf", op_sahf),
    "LAHF": ("lahf", op_lahf),
    "CMC": ("cmc", op_cmc),
    "ADC16": ("adc ax, bx", op_adc16),
    "SBB8": ("sbb al, bl", op_sbb8),
    "NEG8": ("neg al", op_neg8),
    "INC16": ("inc ax", op_inc16),
    "CBW": ("cbw", op_cbw),
    "CWD": ("cwd", op_cwd),
    "BTSMEM": ("push edi\n\tpush ecx\n\tmov edi, bitbuf\n\tmov ecx, 8\n\tmov eax, 0\n\trep stosd\n"
               "\tpop ecx\n\tpop edi\n\tbts dword [bitbuf + 16], ebx\n\tpushfd\n\tmov eax, ebx\n"
               "\tsar eax, 5\n\tmov eax, [bitbuf + 16 + eax * 4]\n\tpopfd", op_btsmem),
}

# (op, a, b, d, fin): values at the edges the SDM's flag rules name.
EDGES = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x0000000F, 0x12345678]
CASES = []
for op in ("ADD", "SUB", "CMP"):
    for a, b in [(0, 0), (1, 1), (0x7FFFFFFF, 1), (0x80000000, 1), (0xFFFFFFFF, 1),
                 (0x80000000, 0x80000000), (0xF, 1), (0x12345678, 0x9ABCDEF0),
                 (0x10, 0x20)]:
        CASES.append((op, a, b, 0, 0x2))
for op in ("ADC", "SBB"):
    for a, b in [(0xFFFFFFFF, 0), (0x7FFFFFFF, 0), (0, 0xFFFFFFFF), (5, 3), (0x80000000, 0x7FFFFFFF)]:
        for cf in (0, CF):
            CASES.append((op, a, b, 0, 0x2 | cf))
for a, b in [(0x7F, 1), (0xFF, 1), (0x0F, 0x01), (0x80, 0x80), (0x1234FF00, 0x00)]:
    CASES.append(("ADD8", 0xAABBCC00 | (a & 0xFF), b, 0, 0x2))
for a, b in [(0x8000, 1), (0, 1), (0x12340005, 0x0005)]:
    CASES.append(("SUB16", a, b, 0, 0x2))
for op in ("AND", "OR", "XOR"):
    for a, b in [(0xF0F0F0F0, 0x0FF00FF0), (0xFFFFFFFF, 0x80000000), (0, 0), (0x3, 0x1)]:
        CASES.append((op, a, b, 0, 0x2 | CF | OF))
for op in ("NEG", "INC", "DEC"):
    for a in EDGES:
        for fin in (0x2, 0x2 | CF):
            if op == "NEG" and fin != 0x2:
                continue
            CASES.append((op, a, 0, 0, fin))
for op in ("SHL", "SHR", "SAR"):
    for a, c in [(0x80000001, 1), (0x40000000, 1), (0x80000000, 31), (0x12345678, 4),
                 (0x12345678, 0), (0xFFFFFFFF, 33), (0x00000001, 32)]:
        CASES.append((op, a, c, 0, 0x2 | SF | ZF))
for op in ("ROL", "ROR", "RCL", "RCR"):
    for a, c in [(0x80000001, 1), (0x40000000, 1), (0x12345678, 4), (0x12345678, 0),
                 (0x80000000, 31), (0x00000001, 33)]:
        for cf in (0, CF):
            CASES.append((op, a, c, 0, 0x2 | PF | cf))
for op in ("SHLD", "SHRD"):
    for a, b in [(0x12345678, 0x9ABCDE04), (0x80000000, 0x00000001), (0x40000000, 0xFFFFFF01),
                 (0x12345678, 0x87654300)]:
        CASES.append((op, a, b, 0, 0x2))
for op in ("IMUL2", "MUL", "IMUL1"):
    for a, b in [(3, 4), (0x10000, 0x10000), (0xFFFFFFFF, 0xFFFFFFFF), (0x7FFFFFFF, 2),
                 (0x80000000, 1), (0xFFFF, 0xFFFF)]:
        CASES.append((op, a, b, 0, 0x2))
for op, a, b, d in [("DIV", 100, 7, 0), ("DIV", 0, 0x10, 1), ("DIV", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE),
                    ("IDIV", 0xFFFFFF9C, 7, 0xFFFFFFFF), ("IDIV", 100, 0xFFFFFFF9, 0),
                    ("IDIV", 0xFFFFFF9C, 0xFFFFFFF9, 0xFFFFFFFF), ("IDIV", 0x80000000, 2, 0xFFFFFFFF)]:
    CASES.append((op, a, b, d, 0x2))
for op in ("BSF", "BSR"):
    for b in (1, 0x80000000, 0x00F00000, 0):
        CASES.append((op, 0xAAAA, b, 0, 0x2))
for op in ("BT", "BTS", "BTR", "BTC"):
    for a, b in [(0x00000010, 4), (0x00000010, 5), (0x80000000, 31), (0x80000000, 63)]:
        CASES.append((op, a, b, 0, 0x2 | ZF))
for a, fin in [(0x0F, 0x2), (0x9A, 0x2), (0x45, 0x2 | AF), (0x12, 0x2 | CF), (0x99, 0x2), (0x00, 0x2)]:
    CASES.append(("DAA", 0x1100 | a, 0, 0, fin))
for a, fin in [(0x0F, 0x2), (0x9A, 0x2), (0x45, 0x2 | AF), (0x72, 0x2 | CF), (0x99, 0x2)]:
    CASES.append(("DAS", 0x1100 | a, 0, 0, fin))
for a, fin in [(0x010C, 0x2), (0x0105, 0x2), (0x0205, 0x2 | AF)]:
    CASES.append(("AAA", a, 0, 0, fin))
    CASES.append(("AAS", a | 0x0030, 0, 0, fin))
for a in (0x0063, 0x00FF, 0x0000):
    CASES.append(("AAM", a, 0, 0, 0x2))
for a in (0x0907, 0x0000, 0x1A03):
    CASES.append(("AAD", a, 0, 0, 0x2))
CASES += [("XADD", 5, 7, 0, 0x2), ("XADD", 0xFFFFFFFF, 1, 0, 0x2),
          ("CMPXCHG", 5, 5, 9, 0x2), ("CMPXCHG", 5, 6, 9, 0x2),
          ("MOVSX", 0, 0x80, 0, 0x2), ("MOVSX", 0, 0x17F, 0, 0x2), ("MOVZX", 0, 0xFFFF8000, 0, 0x2),
          ("CWDE", 0x12348000, 0, 0, 0x2), ("CWDE", 0xFFFF7FFF, 0, 0, 0x2),
          ("CDQ", 0x80000000, 0, 0, 0x2), ("CDQ", 0x7FFFFFFF, 0, 0xAAAA, 0x2),
          ("BSWAP", 0x12345678, 0, 0, 0x2),
          ("LEA", 0x1000, 0x10, 0, 0x2)]
for op in ("SETL", "SETLE", "SETBE", "SETP"):
    for fin in (0x2, 0x2 | SF, 0x2 | SF | OF, 0x2 | ZF, 0x2 | CF, 0x2 | PF):
        CASES.append((op, 0, 0, 0, fin))

for op in ("SHL8", "SHR8", "SAR8"):
    for a, c in [(0x81, 1), (0x81, 7), (0x81, 8), (0x81, 9), (0xC0, 2), (0x42, 0)]:
        CASES.append((op, 0x12345600 | a, c, 0, 0x2 | ZF))
for op in ("ROL8", "RCL8"):
    for a, c in [(0x81, 1), (0x81, 8), (0x81, 9), (0x81, 17), (0x40, 1), (0x42, 0)]:
        for cf in (0, CF):
            CASES.append((op, 0xAB00 | a, c, 0, 0x2 | cf))
for a, b in [(0x10, 0x10), (0xFF, 0xFF), (0x03, 0x05)]:
    CASES.append(("MUL8", 0x12340000 | a, b, 0, 0x2))
for a, b in [(0x0100, 0x10), (0x00FF, 0x07), (0x1234, 0x80)]:
    CASES.append(("DIV8", 0xABCD0000 | a, b, 0, 0x2))
for a, b in [(0xFF9C, 0x07), (0x0064, 0xF9), (0xFF80, 0xFF)]:
    if not (a == 0xFF80 and b == 0xFF):
        CASES.append(("IDIV8", a, b, 0, 0x2))
CASES.append(("IDIV8", 0xFF81, 0xFF, 0, 0x2))  # -127 / -1 = 127 fits
for b in (5, 0x80000000, 0x2AAAAAAB, 0xD5555555):
    CASES.append(("IMUL3", 0, b, 0, 0x2))
for a, b in [(0xF0, 0x0F), (0x80000000, 0x80000001), (0xFF, 0x81)]:
    CASES.append(("TEST", a, b, 0, 0x2 | CF | OF))
CASES.append(("NOT", 0x0F0F0F0F, 0, 0, 0x2 | ZF))
for ah in (0xFF, 0x00, 0xD5, 0x2A):
    CASES.append(("SAHF", ah << 8, 0, 0, 0x2 | OF))
for fin in (0x2, 0x2 | ARITH):
    CASES.append(("LAHF", 0x12345678, 0, 0, fin))
    CASES.append(("CMC", 0, 0, 0, fin))
for a, b, cf in [(0xFFFF, 0, CF), (0x7FFF, 0, CF), (0x12348000, 0x8000, 0)]:
    CASES.append(("ADC16", a, b, 0, 0x2 | cf))
for a, b, cf in [(0x00, 0x00, CF), (0x80, 0x00, CF), (0x10, 0x0F, 0)]:
    CASES.append(("SBB8", 0x5500 | a, b, 0, 0x2 | cf))
for a in (0x00, 0x80, 0x01):
    CASES.append(("NEG8", 0x7700 | a, 0, 0, 0x2))
for a in (0x7FFF, 0xFFFF, 0x1234000F):
    CASES.append(("INC16", a, 0, 0, 0x2 | CF))
CASES += [("CBW", 0x12345680, 0, 0, 0x2), ("CBW", 0x1234567F, 0, 0, 0x2),
          ("CWD", 0x00008000, 0, 0x12345678, 0x2), ("CWD", 0xFFFF7FFF, 0, 0x1234FFFF, 0x2)]
for b in (0, 31, 32, 100, 0xFFFFFFFF, 0xFFFFFFDF, 0xFFFFFFC0):
    CASES.append(("BTSMEM", 0, b, 0, 0x2 | ZF))

def main():
    print("; integer-cases.inc - generated by tools/gen-integer-table.py; do not edit.")
    print("; Case: stub, a, b, d, EFLAGS in, EAX, EDX, EFLAGS out, flag mask,")
    print("; EAX mask, then three descriptions (EAX, EDX, flags).\n")
    print("section .text")
    for name, (insns, _) in OPS.items():
        print(f"stub_{name}:\n\t{insns}\n\tret")
    print("\nsection .rodata")
    for i, (op, a, b, d, fin) in enumerate(CASES):
        what = f"{op} a={a:#x} b={b:#x} d={d:#x} flags={fin:#x}"
        for part in ("EAX", "EDX", "EFLAGS"):
            print(f'desc_{i}_{part}: db "{what}: {part}", 0')
    print("\nsection .data\nalign 4\ncases:")
    for i, (op, a, b, d, fin) in enumerate(CASES):
        eax, edx, flags, fmask, emask = OPS[op][1](a, b, d, fin)
        vals = [a, b, d, fin, eax & M32, edx & M32, flags & fmask, fmask, emask]
        print(f"\tdd stub_{op}, " + ", ".join(f"{v:#010x}" for v in vals)
              + f", desc_{i}_EAX, desc_{i}_EDX, desc_{i}_EFLAGS")
    print("cases_end:")
    print("section .bss\nalignb 4\nbitbuf: resd 8\nsection .text")
    print(f"CASE_SIZE equ 13 * 4")

main()
