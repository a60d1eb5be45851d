/* ossl.h - OpenSSL (libssl and the libcrypto under it), loaded when
 * first needed instead of at every start of the binary.
 *
 * Linking libssl and libcrypto made every invocation pay for mapping and
 * relocating them (~1 ms, three times /bin/true), though only TLS
 * addresses and nkeys use them. Here they are dlopen()ed by soname, the
 * search the dynamic linker does at start-up, and each function is called
 * through a pointer of its own type: every name below is redefined to
 * (*ossl_NAME), so the code of tls.c and nkey.c reads as plain OpenSSL,
 * and OpenSSL's function-like macros (SSL_CTX_set_mode, ...) expand to
 * the pointers too. A function used but missing from OSSL_FUNCS is an
 * undefined reference at link time (the binary does not link libssl); a
 * name here that OpenSSL lacks fails to compile.
 *
 * Include this instead of <openssl/...>; call ossl_load() before the
 * first OpenSSL call of a path. */
#ifndef IPCTOOL_OSSL_H
#define IPCTOOL_OSSL_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* every OpenSSL function ipctool calls */
#define OSSL_FUNCS(X) \
	X(ASN1_TIME_print) \
	X(BIO_ctrl) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_s_mem) \
	X(BN_bin2bn) \
	X(BN_free) \
	X(BN_to_ASN1_INTEGER) \
	X(ERR_clear_error) \
	X(ERR_get_error) \
	X(ERR_peek_error) \
	X(ERR_reason_error_string) \
	X(EVP_DigestSign) \
	X(EVP_DigestSignInit) \
	X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_get_raw_public_key) \
	X(EVP_PKEY_new_raw_private_key) \
	X(EVP_PKEY_new_raw_public_key) \
	X(EVP_sha256) \
	X(RAND_bytes) \
	X(SSL_CIPHER_get_name) \
	X(SSL_CTX_check_private_key) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) \
	X(SSL_CTX_get0_certificate) \
	X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_new) \
	X(SSL_CTX_set_client_CA_list) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_set_num_tickets) \
	X(SSL_CTX_set_options) \
	X(SSL_CTX_set_session_id_context) \
	X(SSL_CTX_set_verify) \
	X(SSL_CTX_use_PrivateKey) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_ctrl) \
	X(SSL_do_handshake) \
	X(SSL_free) \
	X(SSL_get0_param) \
	X(SSL_get1_peer_certificate) \
	X(SSL_get_current_cipher) \
	X(SSL_get_error) \
	X(SSL_get_rbio) \
	X(SSL_get_verify_result) \
	X(SSL_get_version) \
	X(SSL_get_wbio) \
	X(SSL_load_client_CA_file) \
	X(SSL_new) \
	X(SSL_pending) \
	X(SSL_read) \
	X(SSL_set_accept_state) \
	X(SSL_set_connect_state) \
	X(SSL_set_fd) \
	X(SSL_shutdown) \
	X(SSL_write) \
	X(TLS_client_method) \
	X(TLS_server_method) \
	X(X509V3_EXT_conf_nid) \
	X(X509V3_set_ctx) \
	X(X509_EXTENSION_free) \
	X(X509_NAME_add_entry_by_txt) \
	X(X509_NAME_print_ex) \
	X(X509_VERIFY_PARAM_set1_host) \
	X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(X509_add_ext) \
	X(X509_digest) \
	X(X509_free) \
	X(X509_get0_notAfter) \
	X(X509_get_issuer_name) \
	X(X509_get_serialNumber) \
	X(X509_get_subject_name) \
	X(X509_getm_notAfter) \
	X(X509_getm_notBefore) \
	X(X509_gmtime_adj) \
	X(X509_new) \
	X(X509_set_issuer_name) \
	X(X509_set_pubkey) \
	X(X509_set_version) \
	X(X509_sign) \
	X(X509_verify_cert_error_string) \


#define OSSL_DECLARE(f) extern __typeof__(f) *ossl_##f;
OSSL_FUNCS(OSSL_DECLARE)
#undef OSSL_DECLARE

/* ossl_load: load libssl and resolve every function once; true when they
 * are there. On failure err (if errlen > 0) has one line: what could not
 * be loaded and dlerror's reason; later calls fail the same way. */
bool ossl_load(char *err, size_t errlen);

#define ASN1_TIME_print (*ossl_ASN1_TIME_print)
#define BIO_ctrl (*ossl_BIO_ctrl)
#define BIO_free (*ossl_BIO_free)
#define BIO_new (*ossl_BIO_new)
#define BIO_s_mem (*ossl_BIO_s_mem)
#define BN_bin2bn (*ossl_BN_bin2bn)
#define BN_free (*ossl_BN_free)
#define BN_to_ASN1_INTEGER (*ossl_BN_to_ASN1_INTEGER)
#define ERR_clear_error (*ossl_ERR_clear_error)
#define ERR_get_error (*ossl_ERR_get_error)
#define ERR_peek_error (*ossl_ERR_peek_error)
#define ERR_reason_error_string (*ossl_ERR_reason_error_string)
#define EVP_DigestSign (*ossl_EVP_DigestSign)
#define EVP_DigestSignInit (*ossl_EVP_DigestSignInit)
#define EVP_DigestVerify (*ossl_EVP_DigestVerify)
#define EVP_DigestVerifyInit (*ossl_EVP_DigestVerifyInit)
#define EVP_MD_CTX_free (*ossl_EVP_MD_CTX_free)
#define EVP_MD_CTX_new (*ossl_EVP_MD_CTX_new)
#define EVP_PKEY_Q_keygen (*ossl_EVP_PKEY_Q_keygen)
#define EVP_PKEY_free (*ossl_EVP_PKEY_free)
#define EVP_PKEY_get_raw_public_key (*ossl_EVP_PKEY_get_raw_public_key)
#define EVP_PKEY_new_raw_private_key (*ossl_EVP_PKEY_new_raw_private_key)
#define EVP_PKEY_new_raw_public_key (*ossl_EVP_PKEY_new_raw_public_key)
#define EVP_sha256 (*ossl_EVP_sha256)
#define RAND_bytes (*ossl_RAND_bytes)
#define SSL_CIPHER_get_name (*ossl_SSL_CIPHER_get_name)
#define SSL_CTX_check_private_key (*ossl_SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (*ossl_SSL_CTX_ctrl)
#define SSL_CTX_free (*ossl_SSL_CTX_free)
#define SSL_CTX_get0_certificate (*ossl_SSL_CTX_get0_certificate)
#define SSL_CTX_load_verify_locations (*ossl_SSL_CTX_load_verify_locations)
#define SSL_CTX_new (*ossl_SSL_CTX_new)
#define SSL_CTX_set_client_CA_list (*ossl_SSL_CTX_set_client_CA_list)
#define SSL_CTX_set_default_verify_paths (*ossl_SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_num_tickets (*ossl_SSL_CTX_set_num_tickets)
#define SSL_CTX_set_options (*ossl_SSL_CTX_set_options)
#define SSL_CTX_set_session_id_context (*ossl_SSL_CTX_set_session_id_context)
#define SSL_CTX_set_verify (*ossl_SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey (*ossl_SSL_CTX_use_PrivateKey)
#define SSL_CTX_use_PrivateKey_file (*ossl_SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate (*ossl_SSL_CTX_use_certificate)
#define SSL_CTX_use_certificate_chain_file (*ossl_SSL_CTX_use_certificate_chain_file)
#define SSL_ctrl (*ossl_SSL_ctrl)
#define SSL_do_handshake (*ossl_SSL_do_handshake)
#define SSL_free (*ossl_SSL_free)
#define SSL_get0_param (*ossl_SSL_get0_param)
#define SSL_get1_peer_certificate (*ossl_SSL_get1_peer_certificate)
#define SSL_get_current_cipher (*ossl_SSL_get_current_cipher)
#define SSL_get_error (*ossl_SSL_get_error)
#define SSL_get_rbio (*ossl_SSL_get_rbio)
#define SSL_get_verify_result (*ossl_SSL_get_verify_result)
#define SSL_get_version (*ossl_SSL_get_version)
#define SSL_get_wbio (*ossl_SSL_get_wbio)
#define SSL_load_client_CA_file (*ossl_SSL_load_client_CA_file)
#define SSL_new (*ossl_SSL_new)
#define SSL_pending (*ossl_SSL_pending)
#define SSL_read (*ossl_SSL_read)
#define SSL_set_accept_state (*ossl_SSL_set_accept_state)
#define SSL_set_connect_state (*ossl_SSL_set_connect_state)
#define SSL_set_fd (*ossl_SSL_set_fd)
#define SSL_shutdown (*ossl_SSL_shutdown)
#define SSL_write (*ossl_SSL_write)
#define TLS_client_method (*ossl_TLS_client_method)
#define TLS_server_method (*ossl_TLS_server_method)
#define X509V3_EXT_conf_nid (*ossl_X509V3_EXT_conf_nid)
#define X509V3_set_ctx (*ossl_X509V3_set_ctx)
#define X509_EXTENSION_free (*ossl_X509_EXTENSION_free)
#define X509_NAME_add_entry_by_txt (*ossl_X509_NAME_add_entry_by_txt)
#define X509_NAME_print_ex (*ossl_X509_NAME_print_ex)
#define X509_VERIFY_PARAM_set1_host (*ossl_X509_VERIFY_PARAM_set1_host)
#define X509_VERIFY_PARAM_set1_ip_asc (*ossl_X509_VERIFY_PARAM_set1_ip_asc)
#define X509_add_ext (*ossl_X509_add_ext)
#define X509_digest (*ossl_X509_digest)
#define X509_free (*ossl_X509_free)
#define X509_get0_notAfter (*ossl_X509_get0_notAfter)
#define X509_get_issuer_name (*ossl_X509_get_issuer_name)
#define X509_get_serialNumber (*ossl_X509_get_serialNumber)
#define X509_get_subject_name (*ossl_X509_get_subject_name)
#define X509_getm_notAfter (*ossl_X509_getm_notAfter)
#define X509_getm_notBefore (*ossl_X509_getm_notBefore)
#define X509_gmtime_adj (*ossl_X509_gmtime_adj)
#define X509_new (*ossl_X509_new)
#define X509_set_issuer_name (*ossl_X509_set_issuer_name)
#define X509_set_pubkey (*ossl_X509_set_pubkey)
#define X509_set_version (*ossl_X509_set_version)
#define X509_sign (*ossl_X509_sign)
#define X509_verify_cert_error_string (*ossl_X509_verify_cert_error_string)

#endif
