-- Tables for bench/compare-engine.sh -q (the same on PostgreSQL 15 and Walden)
drop table if exists eq_line, eq_order, eq_customer;
create table eq_customer (id int primary key, name text not null, region int not null);
create table eq_order (id int primary key, customer_id int not null, amount numeric(10,2) not null,
  placed date not null, status int not null);
create table eq_line (order_id int not null, n int not null, qty int not null, price numeric(10,2) not null,
  primary key (order_id, n));
insert into eq_customer select g, 'customer ' || g, g % 20 from generate_series(1, 1000) g;
insert into eq_order select g, 1 + (g * 7919) % 1000, (g % 997) * 1.25, date '2024-01-01' + g % 365, g % 5
  from generate_series(1, 100000) g;
insert into eq_line select o, n, 1 + (o + n) % 9, ((o * n) % 500) * 0.5 from generate_series(1, 100000) o,
  generate_series(1, 1) n;
create index eq_order_placed on eq_order (placed);
create index eq_order_customer on eq_order (customer_id);
analyze eq_customer;
analyze eq_order;
analyze eq_line;
