/* long ncp_clone_run(unsigned long flags, void* stack_top, int* parent_tid,
 *                    int (*fn)(void*), void* arg)
 *
 * The legacy clone system call with a child stack, for kernels or seccomp
 * policies that refuse clone3: like ncp_clone3_run, the parent gets the
 * result; the child calls fn(arg) on the new stack and exits the process.
 * (Not glibc's clone(): sanitizer runtimes may intercept that one, and their
 * interceptors must not run in a CLONE_VM child.) */
#if defined(__x86_64__)
	.text
	.globl	ncp_clone_run
	.hidden	ncp_clone_run
	.type	ncp_clone_run, @function
	.p2align 4
ncp_clone_run:
	.cfi_startproc
	push	%rbx
	.cfi_adjust_cfa_offset 8
	mov	%r8, %rbx		/* arg: preserved across the syscall */
	mov	%rcx, %r9		/* fn */
	xor	%r10d, %r10d		/* child_tid = NULL */
	xor	%r8d, %r8d		/* tls = 0 */
	mov	$56, %eax		/* __NR_clone: flags, stack, ptid, ctid, tls */
	syscall
	test	%rax, %rax
	jz	1f
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	ret
1:
	.cfi_undefined rip
	xor	%ebp, %ebp
	mov	%rbx, %rdi
	call	*%r9
	mov	%eax, %edi
	mov	$231, %eax		/* __NR_exit_group */
	syscall
	hlt
	.cfi_endproc
	.size	ncp_clone_run, .-ncp_clone_run
#endif
	.section .note.GNU-stack,"",@progbits
